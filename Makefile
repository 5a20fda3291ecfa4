# tuinb developer entry points. `make demo` and `make test` work on a fresh machine (after .ci/run's apt step).
SHELL := /bin/bash
# The interpreter the venvs are built on: the distribution's python3.11 when it has venv, else python3. Debian
# builds its CPython with PGO and LTO and links libpython into the executable; a default pyenv build (as on the
# machines this was measured on) has neither and starts tuinb ~20 % slower (README, Performance). PYTHON=... wins.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell /usr/bin/python3.11 -c "import ensurepip, venv" >/dev/null 2>&1 && echo /usr/bin/python3.11 || echo python3)
endif
VENV ?= .venv
SDK_VENV ?= .sdk-venv
BIN := $(VENV)/bin
# Editable for day-to-day work (`make INSTALL_MODE=editable test`); CI tests the normal install.
INSTALL_MODE ?= normal
PIP_QUIET := --quiet --disable-pip-version-check --no-input
# The machine's pip config lists file:// indexes that may not exist; their warnings are noise.
FILTER := grep -v "^WARNING: Location 'file://" || true

# Test workers for the parallel pass (pytest-xdist). Many tests wait on subprocesses, servers and the event loop, so
# more workers than cores pays off; TEST_WORKERS=1 runs the parallel pass in one worker.
TEST_WORKERS ?= 4
PYTEST := $(abspath $(BIN))/python -m pytest -q -p no:cacheprovider --rootdir=.. -c ../pyproject.toml

.PHONY: help install test test-fast lint demo sdk-venv goldens bench lock clean

help:
	@echo "make demo     build tiny offline models (once) and open a notebook that uses them all"
	@echo "make test     install pinned dependencies into $(VENV), lint, and run the whole test suite"
	@echo "make lint     ruff and mypy (configured in pyproject.toml)"
	@echo "make bench    print the benchmark table"
	@echo "make goldens  regenerate the SDK goldens (needs $(SDK_VENV))"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the pins change. dev.lock includes runtime.lock.
$(VENV)/.deps-installed: requirements/runtime.lock requirements/dev.lock | $(BIN)/python
	{ $(BIN)/pip install $(PIP_QUIET) -r requirements/dev.lock 2>&1 | $(FILTER); } ; test $${PIPESTATUS[0]} -eq 0
	$(BIN)/python -c "import torch, sys; sys.exit(0 if torch.__version__.endswith('+cpu') else 'a CUDA torch was installed: pin torch==2.13.0')"
	touch $@

install: $(VENV)/.deps-installed
ifeq ($(INSTALL_MODE),editable)
	{ $(BIN)/pip install $(PIP_QUIET) --no-deps --no-build-isolation -e . 2>&1 | $(FILTER); } ; test $${PIPESTATUS[0]} -eq 0
else
	{ $(BIN)/pip install $(PIP_QUIET) --no-deps --no-build-isolation --force-reinstall . 2>&1 | $(FILTER); } ; test $${PIPESTATUS[0]} -eq 0
endif

$(SDK_VENV)/.installed:
	$(PYTHON) -m venv $(SDK_VENV)
	{ $(SDK_VENV)/bin/pip install $(PIP_QUIET) python-aiconfig==1.1.34 google-generativeai==0.3.2 2>&1 | $(FILTER); } ; test $${PIPESTATUS[0]} -eq 0
	touch $@

# The reference SDK, in its own venv: a test oracle, never a runtime dependency.
sdk-venv: $(SDK_VENV)/.installed

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# Two passes: the parallel one, then the tests marked `serial` (they cannot share the machine) on their own. Both
# must pass; a pass that selects no test (pytest exit 5) is fine as long as the other one ran tests.
test: install sdk-venv lint
	@cd tests || exit 1; set +e; \
	$(PYTEST) -n $(TEST_WORKERS) --dist worksteal -m "not serial" . ; parallel=$$?; \
	$(PYTEST) -m serial . ; serial=$$?; \
	echo "make test: parallel pass exit $$parallel, serial pass exit $$serial"; \
	if [ $$parallel -eq 5 ] && [ $$serial -eq 5 ]; then exit 5; fi; \
	for rc in $$parallel $$serial; do if [ $$rc -ne 0 ] && [ $$rc -ne 5 ]; then exit $$rc; fi; done

test-fast: install
	cd tests && TUINB_SKIP_ORACLE=1 $(abspath $(BIN))/python -m pytest -q -x --rootdir=.. -c ../pyproject.toml . -m "not slow"

demo: install
	$(BIN)/tuinb demo

goldens: sdk-venv
	$(BIN)/python tests/oracle/make_goldens.py --sdk-python $(SDK_VENV)/bin/python

bench: install sdk-venv
	$(BIN)/python bench/run_all.py

# Both locks from the venv as it is: runtime.lock = what `tuinb[local,audio]` needs, dev.lock = the rest.
lock:
	$(BIN)/python requirements/lock.py

clean:
	rm -rf build dist *.egg-info
