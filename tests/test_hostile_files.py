"""Files built to hang or crash the reader get a located error, quickly, from every command.

A YAML alias bomb (a few hundred bytes that expand to billions of nodes), an integer longer than Python
converts, and a path that names a FIFO or ``/dev/zero`` instead of a file. The command-line tests run the real
``tuinb`` in a subprocess with a memory cap and a timeout, so a regression fails instead of taking the machine
down with it.

    .venv/bin/python -m pytest tests/test_hostile_files.py -q
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from corpus_locator import corpus_files
from tui_notebook.config import load_config
from tui_notebook.document import DocumentError, load_path, load_text
from tui_notebook.document import loader as loader_module

COMMANDS = (("validate",), ("fmt", "-o", "-"), ("resolve",), ("run", "--all"), ("export", "--format", "md"))
MEMORY_CAP = 1536 * 1024 * 1024  # far more than a command needs; far less than a bomb takes


def _capped():  # runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def tuinb(*args: object, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_notebook", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_capped, stdin=subprocess.DEVNULL)


def assert_located_refusal(path: Path, wanted: str, *, commands=COMMANDS + (("open",),)) -> None:
    """Every command exits 2 with ``wanted`` on stderr, prefixed by the file's name (and line:col when given)."""
    for command in commands:
        args = [*command[:1], path, *command[1:]]
        result = tuinb(*args)
        where = f"`tuinb {' '.join(command)}`"
        assert result.returncode == 2, f"{where}: exit {result.returncode}\n{result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr, f"{where} crashed:\n{result.stderr[-2000:]}"
        out = result.stdout + result.stderr
        assert wanted in out, f"{where}: {out[-2000:]}"


# -- YAML alias bombs ----------------------------------------------------------------------------------------

def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """``levels`` anchors, each a list of ``width`` aliases of the one before: ``width ** levels`` nodes."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\nname: bomb\nmetadata: {}\nprompts: []\n"


LOAD_AND_REPORT = """
import json, sys
from tui_notebook.document import DocumentError, load_text
try:
    load_text(sys.stdin.read(), source="bomb.aiconfig.yaml", yaml_mode=True)
except DocumentError as exc:
    p = exc.problems[0]
    print(json.dumps({"message": p.message, "line": p.line, "col": p.col}))
else:
    print(json.dumps({"loaded": True}))
"""


def load_capped(text: str) -> dict:
    """``load_text(text, yaml_mode=True)`` in a child process with a memory cap and a timeout (a bomb that got
    through would otherwise take the test run, and the machine, down with it)."""
    started = time.monotonic()
    try:
        result = subprocess.run([sys.executable, "-c", LOAD_AND_REPORT], input=text, capture_output=True,
                                text=True, timeout=60, preexec_fn=_capped)
    except subprocess.TimeoutExpired:
        raise AssertionError("loading did not finish within 60 s") from None
    assert result.returncode == 0, f"loading crashed: {result.stderr[-1500:]}"
    return {**json.loads(result.stdout), "seconds": time.monotonic() - started}


def test_alias_bomb_is_refused_at_the_anchor_that_explodes():
    text = alias_bomb()
    assert len(text) < 600
    problem = load_capped(text)
    assert "too many aliases" in problem["message"] and "expands to more than" in problem["message"]
    assert 1 < problem["line"] <= 9 and problem["col"] == 5  # the `&aN [` of that line
    assert problem["seconds"] < 30  # linear in the file's nodes (well under a second); never the expanded tree


def test_a_merge_key_bomb_is_refused_too():
    lines = ["a0: &a0 {" + ", ".join(f"k{i}: {i}" for i in range(9)) + "}"]
    lines += [f"a{i}: &a{i} {{<<: [" + ", ".join([f"*a{i - 1}"] * 9) + "]}" for i in range(1, 9)]
    problem = load_capped("\n".join(lines) + "\nname: bomb\nprompts: []\n")
    assert "too many aliases" in problem["message"] and problem["line"] is not None


def test_a_self_containing_alias_is_a_located_error():
    with pytest.raises(DocumentError) as caught:
        load_text("name: loop\nmetadata: &m {parameters: {x: *m}}\nprompts: []\n", yaml_mode=True)
    problem = caught.value.problems[0]
    assert "contains it" in problem.message and problem.line == 2


def test_ordinary_aliases_still_load():
    text = (
        "name: shared\nmetadata:\n  models:\n    gpt-4: &settings {temperature: 0.5, top_p: 1, stop: [a, b]}\n"
        "prompts:\n" + "".join(
            f"  - name: p{i}\n    input: hi\n    metadata: {{model: {{name: gpt-4, settings: *settings}}}}\n"
            for i in range(200))
    )
    doc = load_text(text, yaml_mode=True).doc
    assert len(doc.prompts) == 200 and doc.prompts[199].metadata.model.settings["temperature"] == 0.5


def test_every_corpus_file_still_loads():
    files = corpus_files()
    assert len(files) >= 100 and any(f.suffix == ".yaml" for f in files)
    for path in files:
        try:
            load_path(path)
        except DocumentError as exc:  # a file the corpus keeps as invalid on purpose must fail on its schema
            assert all("alias" not in p.message and "digits" not in p.message for p in exc.problems), path


@pytest.mark.slow
def test_every_command_refuses_an_alias_bomb_quickly(tmp_path):
    path = tmp_path / "bomb.aiconfig.yaml"
    path.write_text(alias_bomb())
    assert_located_refusal(path, "bomb.aiconfig.yaml:")
    assert_located_refusal(path, "too many aliases")


# -- integers longer than Python converts --------------------------------------------------------------------

LONG = "7" * 5000


def test_a_long_integer_in_json_is_a_located_error(tmp_path):
    for where in ('"metadata": {"parameters": {"n": %s}}', '"metadata": {"models": {"m": {"t": %s}}}'):
        path = tmp_path / "long.aiconfig.json"
        path.write_text('{"name": "x",\n  ' + where % LONG + ',\n  "prompts": []}')
        with pytest.raises(DocumentError) as caught:
            load_path(path)
        problem = caught.value.problems[0]
        assert "integer with 5,000 digits" in problem.message
        assert (problem.line, problem.col) == (2, where.index("%s") + 3)
        assert str(problem).startswith(f"{path}:2:")


def test_a_long_integer_in_yaml_is_a_located_error():
    with pytest.raises(DocumentError) as caught:
        load_text(f"name: x\nmetadata:\n  parameters:\n    n: {LONG}\nprompts: []\n", yaml_mode=True)
    problem = caught.value.problems[0]
    assert "integer with 5,000 digits" in problem.message and (problem.line, problem.col) == (4, 8)


def test_long_digit_strings_are_fine_and_long_hex_is_located():
    doc = load_text(json.dumps({"name": "x", "metadata": {"parameters": {"s": LONG}}, "prompts": []})).doc
    assert doc.metadata.parameters["s"] == LONG
    doc = load_text(f"name: x\nmetadata: {{parameters: {{s: '{LONG}', h: 0x{'f' * 100}}}}}\nprompts: []\n",
                    yaml_mode=True).doc
    assert doc.metadata.parameters["s"] == LONG and doc.metadata.parameters["h"] == int("f" * 100, 16)
    with pytest.raises(DocumentError) as caught:  # fine for Python to read, but no JSON file can hold it
        load_text(f"name: x\nmetadata: {{parameters: {{h: 0x{'f' * 5000}}}}}\nprompts: []\n", yaml_mode=True)
    problem = caught.value.problems[0]
    assert "decimal digits" in problem.message and (problem.line, problem.col) == (2, 28)


@pytest.mark.slow
def test_every_command_reports_a_long_integer_without_a_traceback(tmp_path):
    path = tmp_path / "long.aiconfig.json"
    path.write_text('{"name": "x", "metadata": {"parameters": {"n": %s}}, "prompts": []}' % LONG)
    assert_located_refusal(path, "long.aiconfig.json:1:")
    yaml_path = tmp_path / "long.aiconfig.yaml"
    yaml_path.write_text(f"name: x\nmetadata:\n  parameters:\n    n: {LONG}\nprompts: []\n")
    assert_located_refusal(yaml_path, "long.aiconfig.yaml:4:8: invalid YAML: integer with 5,000 digits",
                           commands=(("validate",), ("fmt", "-o", "-")))


def test_a_long_integer_given_with_p_is_a_usage_error(tmp_path):
    path = tmp_path / "ok.aiconfig.json"
    path.write_text('{"name": "x", "metadata": {}, "prompts": [{"name": "a", "input": "{{n}}"}]}')
    result = tuinb("resolve", path, "-p", f"n:={LONG}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "invalid JSON value: Exceeds the limit" in result.stderr


def test_a_long_integer_in_the_config_file_falls_back_to_defaults(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f"theme = 'x'\nn = {LONG}\n")
    config, problems = load_config(path)
    assert problems and "using defaults" in problems[0] and config.theme != "x"


# -- paths that are not regular files ------------------------------------------------------------------------

def _returns_within(fn, seconds: float, unblock) -> object:  # noqa: ANN001
    """``fn()``'s result; fails (after ``unblock()`` frees the thread) if it does not return in ``seconds``."""
    result: dict[str, object] = {}
    worker = threading.Thread(target=lambda: result.update(value=fn()), daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    if worker.is_alive():
        unblock()
        worker.join(timeout=10)
        raise AssertionError(f"{fn} blocked")
    return result.get("value")


def _feed_fifo(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    os.close(fd)


def test_a_fifo_or_device_is_refused_unread(tmp_path):
    fifo = tmp_path / "pipe.aiconfig.json"
    os.mkfifo(fifo)

    def refused(path: Path) -> str:
        try:
            load_path(path)
        except DocumentError as exc:
            return str(exc.problems[0])
        return "loaded"

    message = _returns_within(lambda: refused(fifo), 10, lambda: _feed_fifo(fifo))
    assert message == f"{fifo}: cannot read file: not a regular file (a pipe)"
    assert refused(Path("/dev/zero")) == "/dev/zero: cannot read file: not a regular file (a device)"
    assert refused(tmp_path) == f"{tmp_path}: cannot read file: not a regular file (a folder)"


def test_a_file_over_the_size_cap_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "big.aiconfig.json"
    path.write_text(json.dumps({"name": "x", "metadata": {}, "prompts": [], "pad": "x" * 4000}))
    monkeypatch.setattr(loader_module, "MAX_NOTEBOOK_BYTES", 1024)
    with pytest.raises(DocumentError) as caught:
        load_path(path)
    assert "larger than 1 KB" in caught.value.problems[0].message


def test_a_fifo_config_file_does_not_block(tmp_path):
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    config, problems = _returns_within(lambda: load_config(fifo), 10, lambda: _feed_fifo(fifo))
    assert problems and "not a regular file" in problems[0]


@pytest.mark.slow
def test_every_command_refuses_a_fifo_and_dev_zero(tmp_path):
    fifo = tmp_path / "pipe.aiconfig.json"
    os.mkfifo(fifo)
    assert_located_refusal(fifo, "not a regular file (a pipe)")
    assert_located_refusal(Path("/dev/zero"), "/dev/zero: cannot read file: not a regular file (a device)")


def test_an_attachment_that_is_a_fifo_or_device_fails_the_run_instead_of_hanging(tmp_path):
    from tui_notebook.parser_api import ParserError
    from tui_notebook.parsers.attachments import load_attachment

    fifo = tmp_path / "voice.wav"
    os.mkfifo(fifo)

    def attempt(value: str) -> str:
        try:
            load_attachment({"data": {"kind": "file_uri", "value": value}, "mime_type": "audio/wav"}, tmp_path)
        except ParserError as exc:
            return str(exc)
        return "read"

    assert "not a regular file (a pipe)" in _returns_within(lambda: attempt("voice.wav"), 10,
                                                            lambda: _feed_fifo(fifo))
    assert "not a regular file (a device)" in attempt("/dev/zero")  # would read until memory ran out
    assert "not a regular file (a device)" in attempt("file:///dev/zero")
