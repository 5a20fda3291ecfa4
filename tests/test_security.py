"""Security: trusted code only, no remote code unless allowed, no quiet uploads, no leaked tokens.

    .venv/bin/python -m pytest tests/test_security.py -q

Terminal control sequences are in tests/test_security_terminal.py; the plugin trust store itself in
tests/test_plugins.py; token redaction in parser errors in tests/test_parsers_remote.py. These go through the
command line and the app, the way a user meets them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.hf_server import tiny_wav
from tui_notebook.notebook import Notebook

SECRET = "hf_tuinbSECRETtoken0123456789abcdef"


def tuinb(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "tui_notebook", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


# -- model_parsers.py: never run without trust, and a changed file needs trust again -------------------------

PARSERS = '''
import pathlib
pathlib.Path(__file__).with_name("executed.txt").write_text("model_parsers.py ran")
from tui_notebook.parser_api import ModelParser, text_output

class Shout(ModelParser):
    id = "Shout"
    def run(self, request, ctx):
        return [text_output(request.prompt_text.upper())]

def register_model_parsers(registry):
    registry.register(Shout())
'''


@pytest.fixture
def plugin_notebook(tmp_path) -> Path:
    path = tmp_path / "shout.aiconfig.json"
    path.write_text(json.dumps({"name": "shout", "metadata": {}, "prompts": [
        {"name": "cell", "input": "hello", "metadata": {"model": "Shout"}}]}))
    (tmp_path / "model_parsers.py").write_text(PARSERS)
    return path


def test_cli_changed_model_parsers_needs_trust_again(plugin_notebook, tmp_path):
    marker = tmp_path / "executed.txt"
    refused = tuinb("run", plugin_notebook, "cell")
    assert refused.returncode == 1 and not marker.exists()
    assert "not trusted" in refused.stderr
    trusted = tuinb("run", plugin_notebook, "cell", "--trust-parsers")
    assert trusted.returncode == 0 and trusted.stdout.strip() == "HELLO" and marker.exists()
    marker.unlink()
    again = tuinb("run", plugin_notebook, "cell")  # trusted by hash: no flag needed for the same content
    assert again.returncode == 0 and marker.exists()
    marker.unlink()
    (tmp_path / "model_parsers.py").write_text(PARSERS + "\n# one more line\n")
    changed = tuinb("run", plugin_notebook, "cell")
    assert changed.returncode == 1 and not marker.exists(), "an edited model_parsers.py ran without new trust"
    assert "not trusted" in changed.stderr


@pytest.mark.slow
def test_app_asks_before_running_model_parsers_and_asks_again_after_a_change(plugin_notebook, tmp_path):
    from test_security_terminal import PtyApp

    marker = tmp_path / "executed.txt"
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
    app = PtyApp([str(plugin_notebook)], tmp_path, env)
    try:
        app.wait_for("Trust and load")  # the app asks first...
        assert not marker.exists()  # ...and has run nothing
        app.press("t")
        for _ in range(100):
            if marker.exists():
                break
            app.pump(0.1)
        assert marker.exists()
    finally:
        app.close()
    marker.unlink()
    (tmp_path / "model_parsers.py").write_text(PARSERS + "\n# edited by someone else\n")
    app = PtyApp([str(plugin_notebook)], tmp_path, env)
    try:
        app.wait_for("Trust and load")  # the same file name, new content: asked again
        app.press("d")  # don't trust
        app.pump(1.0)
        assert not marker.exists()
    finally:
        app.close()


# -- trust_remote_code only when allowed on the command line -----------------------------------------------


@pytest.mark.slow
def test_trust_remote_code_in_a_notebook_is_refused_unless_allowed(tmp_path, tiny_text_generation):
    path = tmp_path / "remote-code.aiconfig.json"
    path.write_text(json.dumps({"name": "rc", "metadata": {}, "prompts": [
        {"name": "gen", "input": "Hello", "metadata": {"model": {"name": "Text Generation (Local)", "settings": {
            "model": tiny_text_generation, "trust_remote_code": True, "max_new_tokens": 3, "do_sample": False}}}}]}))
    original = path.read_bytes()
    refused = tuinb("run", path, "gen", "--save")
    assert refused.returncode == 1
    assert "trust_remote_code" in refused.stderr and refused.stdout.strip() == ""
    # The message names the flag that allows it, and that flag exists.
    flag = re.search(r"(--allow-[a-z-]+)", refused.stderr)
    assert flag, refused.stderr
    assert flag.group(1) in tuinb("run", "--help").stdout
    assert path.read_bytes() == original  # refused, so nothing was run and nothing written

    allowed = tuinb("run", path, "gen", flag.group(1))
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.strip()


# -- attachments from outside the notebook folder are not uploaded without consent -----------------------------


def outside_attachment_notebook(folder: Path, outside: Path, server_url: str) -> Path:
    inside = folder / "nb"
    inside.mkdir()
    path = inside / "asr.aiconfig.json"
    path.write_text(json.dumps({"name": "asr", "metadata": {}, "prompts": [
        {"name": "hear", "input": {"attachments": [{"data": {"kind": "file_uri", "value": str(outside)},
                                                    "mime_type": "audio/wav"}]},
         "metadata": {"model": {"name": "Automatic Speech Recognition", "settings": {"model": server_url}}}}]}))
    return path


def test_outside_attachment_needs_consent_in_the_engine(tmp_path, hf_server):
    secret_audio = tmp_path / "private.wav"
    secret_audio.write_bytes(tiny_wav())
    path = outside_attachment_notebook(tmp_path, secret_audio, hf_server.model_url("asr"))
    nb = Notebook.load(path)
    outcome = nb.engine.run("hear")  # headless, no way to ask: refused
    assert outcome.status == "needs_consent" and "outside the notebook's folder" in outcome.message
    assert [(i.kind, i.subject) for i in outcome.consent] == [("outside_file", str(secret_audio.resolve()))]
    assert hf_server.requests == []  # not one byte left
    asked = []
    nb.options.confirm_outside_files = lambda cell, files: asked.append((cell, files)) or False
    assert nb.engine.run("hear").status == "needs_consent" and hf_server.requests == []
    assert asked == [("hear", [secret_audio.resolve()])]
    nb.options.confirm_outside_files = lambda cell, files: True  # the user agrees
    assert nb.engine.run("hear").status == "finished"
    assert hf_server.requests[0].body == tiny_wav()
    nb.options.confirm_outside_files = None  # the answer as an outcome: run again with the items granted
    assert nb.engine.run("hear", consent=outcome.consent).status == "finished" and len(hf_server.requests) == 2


def test_outside_attachment_through_the_cli(tmp_path, hf_server):
    secret_audio = tmp_path / "private.wav"
    secret_audio.write_bytes(tiny_wav())
    path = outside_attachment_notebook(tmp_path, secret_audio, hf_server.model_url("asr"))
    env = {**os.environ, "HF_HUB_OFFLINE": "0"}
    refused = tuinb("run", path, "hear", env=env)
    assert refused.returncode == 2 and "--allow-outside-files" in refused.stderr
    assert hf_server.requests == []
    allowed = tuinb("run", path, "hear", "--allow-outside-files", env=env)
    assert allowed.returncode == 0, allowed.stderr
    assert len(hf_server.requests) == 1


# -- the HF token never appears in a saved file, an export, a log or an error message ---------------------------


def token_notebook(folder: Path, server) -> Path:  # noqa: ANN001
    path = folder / "token.aiconfig.json"
    path.write_text(json.dumps({"name": "token", "metadata": {}, "prompts": [
        {"name": "summary", "input": "one two three",
         "metadata": {"model": {"name": "Summarization", "settings": {"model": server.model_url("summarization")}}}},
        {"name": "story", "input": "Tell me",
         "metadata": {"model": {"name": "Text Generation",
                                "settings": {"model": server.model_url("text-generation")}}}},
    ]}))
    return path


def _assert_no_secret(text: str, where: str) -> None:
    assert SECRET not in text, f"the token appears in {where}"
    assert SECRET[3:] not in text and SECRET[-12:] not in text, f"part of the token appears in {where}"


def test_token_never_leaks_through_the_api_events_logs_or_saved_file(tmp_path, hf_server, monkeypatch, caplog):
    monkeypatch.setenv("HF_TOKEN", SECRET)
    caplog.set_level(logging.DEBUG)
    path = token_notebook(tmp_path, hf_server)
    hf_server.fail(401, echo_auth=True)  # a careless server that echoes the Authorization header
    hf_server.fail(403, echo_auth=True, message="forbidden")
    nb = Notebook.load(path)
    nb.options.allowed_credentials = frozenset({hf_server.pair()})  # the user let the token go to this server
    events = []
    nb.engine.subscribe(events.append)
    outcomes = nb.engine.run_all(stop_on_error=False)
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in hf_server.requests)  # it was used
    for outcome in outcomes:
        _assert_no_secret(outcome.message, "an error message")
        reported = [*outcome.outputs, outcome.error]
        _assert_no_secret(json.dumps([o.model_dump(mode="json") for o in reported]), "an Error output")
    _assert_no_secret(repr(events), "run events")
    nb.save()
    _assert_no_secret(path.read_text(), "the saved notebook")
    _assert_no_secret("\n".join(r.getMessage() for r in caplog.records), "the log")
    html = tmp_path / "token.html"
    exported = tuinb("export", path, "-o", html)
    assert exported.returncode == 0, exported.stderr
    _assert_no_secret(html.read_text(errors="replace"), "the HTML export")
    md = tmp_path / "token.md"
    assert tuinb("export", path, "--format", "md", "-o", md).returncode == 0
    _assert_no_secret(md.read_text(errors="replace"), "the Markdown export")


def test_token_never_leaks_through_tuinb_run(tmp_path, hf_server):
    path = token_notebook(tmp_path, hf_server)
    hf_server.fail(401, echo_auth=True)
    hf_server.fail(429, echo_auth=True, times=10, retry_after=0)  # retries report the echo as progress
    env = {**os.environ, "HF_TOKEN": SECRET, "HF_HUB_OFFLINE": "0", "TUINB_LOG_LEVEL": "DEBUG"}
    allow = ("--allow-credential", hf_server.pair())  # the user let the token go to this server
    result = tuinb("run", path, "--all", "--keep-going", "--save", *allow, env=env)
    assert result.returncode == 1
    assert any(r.headers.get("authorization") == f"Bearer {SECRET}" for r in hf_server.requests)
    _assert_no_secret(result.stdout, "`tuinb run` stdout")
    _assert_no_secret(result.stderr, "`tuinb run` stderr")
    assert "401" in result.stderr  # the error itself is shown, just not the token
    _assert_no_secret(path.read_text(), "the notebook saved by `tuinb run --save`")
    json_run = tuinb("run", path, "summary", "--json", *allow, env=env)
    _assert_no_secret(json_run.stdout + json_run.stderr, "`tuinb run --json`")
