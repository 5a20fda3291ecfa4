"""The command line, run as a real subprocess (what users type)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tui_notebook.document import load_path

PY = sys.executable


def tuinb(*args, cwd=None, env=None):
    return subprocess.run([PY, "-m", "tui_notebook", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


CHAIN = {
    "name": "chain", "metadata": {"parameters": {"topic": "foxes"}, "default_model": "Echo"},
    "prompts": [
        {"name": "story", "input": "Write about {{topic}} & more"},
        {"name": "title", "input": "Title: {{story.output}}"},
    ],
}

PARSERS = '''
from tui_notebook.parser_api import ModelParser, ParserError, text_output

class Echo(ModelParser):
    id = "Echo"
    def run(self, request, ctx):
        if "FAIL" in request.prompt_text:
            raise ParserError("told to fail")
        for word in request.prompt_text.split(" "):
            ctx.stream(word + " ")
        return [text_output(request.prompt_text.upper())]

def register_model_parsers(registry):
    registry.register(Echo())
'''


@pytest.fixture
def chain(tmp_path):
    path = tmp_path / "chain.aiconfig.json"
    path.write_text(json.dumps(CHAIN))
    (tmp_path / "model_parsers.py").write_text(PARSERS)
    return path


def test_version():
    result = tuinb("--version")
    assert result.returncode == 0 and result.stdout.startswith("tuinb ")


def test_help_for_each_command():
    for command in ("fmt", "validate", "resolve", "run", "open"):
        result = tuinb(command, "--help")
        assert result.returncode == 0 and "usage: tuinb" in result.stdout


def test_usage_error_exits_2():
    assert tuinb("run").returncode == 2


def test_fmt_in_place_to_file_and_stdout(chain, tmp_path):
    out = tmp_path / "out.aiconfig.json"
    assert tuinb("fmt", chain, "-o", out).returncode == 0
    stdout = tuinb("fmt", chain, "-o", "-").stdout
    assert out.read_text() == stdout and stdout.endswith("}")
    assert tuinb("fmt", chain).returncode == 0
    assert chain.read_text() == stdout


def test_fmt_of_a_bad_file_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.aiconfig.json"
    bad.write_text('{"name": "x",\n "metadata": }')
    result = tuinb("fmt", bad)
    assert result.returncode == 2
    assert f"{bad}:2:14: invalid JSON" in result.stderr
    assert bad.read_text() == '{"name": "x",\n "metadata": }'


def test_validate_reports_every_file(chain, tmp_path):
    bad = tmp_path / "bad.aiconfig.json"
    bad.write_text('{"metadata": {}, "prompts": [{"name": "p"}]}')
    result = tuinb("validate", chain, bad)
    assert result.returncode == 2
    assert "name: required field is missing" in result.stdout
    assert "prompts[0].input: required field is missing" in result.stdout
    assert tuinb("validate", chain).returncode == 0


def test_resolve_json_and_errors(chain):
    result = tuinb("resolve", chain, "--json", "-p", "topic=owls")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"story": "Write about owls & more", "title": "Title: "}
    one = tuinb("resolve", chain, "story")
    assert one.stdout.strip() == "Write about foxes & more"
    missing = tuinb("resolve", chain, "nope", "--json")
    assert missing.returncode == 2 and "error" in json.loads(missing.stdout)["nope"]


def test_untrusted_model_parsers_py_is_not_executed(chain, tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "model_parsers.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n" + PARSERS)
    result = tuinb("run", chain, "story")
    assert result.returncode == 1
    assert not marker.exists()
    assert "not trusted" in result.stderr and "--trust-parsers" in result.stderr
    result = tuinb("run", chain, "story", "--trust-parsers")
    assert result.returncode == 0 and marker.exists()


def test_run_streams_saves_and_exit_codes(chain, tmp_path):
    result = tuinb("run", chain, "title", "--with-deps", "--save", "--trust-parsers")
    assert result.returncode == 0, result.stderr
    # streamed text, one line per cell; the chained value is HTML-escaped like the SDK does
    assert result.stdout.splitlines() == ["Write about foxes & more ", "Title: WRITE ABOUT FOXES &amp; MORE "]
    saved = load_path(chain).doc
    assert saved.prompts[0].outputs[0].data == "WRITE ABOUT FOXES & MORE"
    assert saved.prompts[1].outputs[0].data == "TITLE: WRITE ABOUT FOXES &AMP; MORE"
    failing = tmp_path / "fail.aiconfig.json"
    failing.write_text(json.dumps({**CHAIN, "prompts": [{"name": "f", "input": "FAIL"}]}))
    result = tuinb("run", failing, "--all", "--json", "--trust-parsers")
    assert result.returncode == 1
    outputs = json.loads(result.stdout)["f"]
    assert outputs[0]["output_type"] == "error" and outputs[0]["evalue"] == "told to fail"


KEPT = {"output_type": "execute_result", "execution_count": 0, "data": "the caption from yesterday",
        "metadata": {}}


def test_run_save_after_a_failure_leaves_the_file_byte_identical(chain, tmp_path):
    failing = tmp_path / "fail.aiconfig.json"
    # indented and ordered unlike tuinb's own writer: any rewrite would show
    failing.write_text(json.dumps({**CHAIN, "prompts": [{"outputs": [KEPT], "input": "FAIL", "name": "f"}]},
                                  indent=7) + "\n\n")
    original = failing.read_bytes()
    result = tuinb("run", failing, "f", "--save", "--trust-parsers")
    assert result.returncode == 1
    assert "f: failed: told to fail" in result.stderr
    assert failing.read_bytes() == original


def test_run_save_after_a_remote_500_keeps_that_cells_outputs(tmp_path, hf_server):
    path = tmp_path / "remote.aiconfig.json"
    path.write_text(json.dumps({"name": "remote", "metadata": {}, "prompts": [
        {"name": "ok", "input": "Tell me a story", "metadata": {"model": {
            "name": "Text Generation", "settings": {"model": hf_server.model_url("text-generation")}}}},
        {"name": "sum", "input": "summarise this", "outputs": [KEPT], "metadata": {"model": {
            "name": "Summarization", "settings": {"model": hf_server.model_url("summarization")}}}},
    ]}, indent=2))
    before = load_path(path).doc.prompts[1]
    hf_server.fail(500, message="internal trouble")  # the first request: "sum"
    env = {**os.environ, "HF_TOKEN_PATH": str(tmp_path / "no-token"), "HF_HUB_OFFLINE": "0"}
    result = tuinb("run", path, "sum", "ok", "--keep-going", "--save", env=env)
    assert result.returncode == 1
    assert "sum: failed:" in result.stderr and "500" in result.stderr, result.stderr
    saved = load_path(path).doc
    assert saved.prompts[1] == before  # the failed cell: as it was, outputs and all
    assert saved.prompts[0].outputs  # the cell that ran is saved


def test_run_o_writes_the_whole_notebook_elsewhere(chain, tmp_path):
    out = tmp_path / "copy.aiconfig.json"
    original = chain.read_text()
    result = tuinb("run", chain, "--all", "-o", out, "--trust-parsers", "--json")
    assert result.returncode == 0, result.stderr
    assert chain.read_text() == original
    assert [len(p.outputs) for p in load_path(out).doc.prompts] == [1, 1]


def test_run_unknown_prompt_is_a_usage_error(chain):
    result = tuinb("run", chain, "nope")
    assert result.returncode == 2 and "no prompt named 'nope'" in result.stderr
