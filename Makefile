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

.PHONY: help install test test-fast demo sdk-venv goldens bench lock clean

help:
	@echo "make demo     build tiny offline models (once) and open a notebook that uses them all"
	@echo "make test     install pinned dependencies into $(VENV) and run the whole test suite"
	@echo "make bench    print the benchmark table"
	@echo "make goldens  regenerate the SDK goldens (needs $(SDK_VENV))"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the pins change.
$(VENV)/.deps-installed: requirements-lock.txt | $(BIN)/python
	{ $(BIN)/pip install $(PIP_QUIET) -r requirements-lock.txt 2>&1 | $(FILTER); } ; test $${PIPESTATUS[0]} -eq 0
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

test: install sdk-venv
	cd tests && $(abspath $(BIN))/python -m pytest -q -p no:cacheprovider --rootdir=.. -c ../pyproject.toml .

test-fast: install
	cd tests && TUINB_SKIP_ORACLE=1 $(abspath $(BIN))/python -m pytest -q -x --rootdir=.. -c ../pyproject.toml . -m "not slow"

demo: install
	$(BIN)/tuinb demo

goldens: sdk-venv
	$(BIN)/python tests/oracle/make_goldens.py --sdk-python $(SDK_VENV)/bin/python

bench: install sdk-venv
	$(BIN)/python bench/run_all.py

lock:
	$(BIN)/pip freeze --exclude tuinb | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > requirements-lock.txt

clean:
	rm -rf build dist *.egg-info
