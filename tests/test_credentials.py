"""Credentials go only where the user approved: the policy, the remembered approvals, headless refusal with exit 2,
``--allow-credential``, and the last check on the wire (a code path that forgets to ask still sends nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.parser_run import Recorder, make_request
from tui_notebook.consent import CREDENTIAL, ConsentItem, NeedsConsent, RunGate
from tui_notebook.notebook import Notebook
from tui_notebook.secrets import ApprovalStore, destination, host_key, parse_pair

STOLEN = "AKIAstolenByTheNotebook1234567"
HF_SECRET = "hf_userTokenMustStayHome123456"


def tuinb(*args, env=None):  # noqa: ANN001, ANN002
    return subprocess.run([sys.executable, "-m", "tui_notebook", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def chat_notebook(folder: Path, base_url: str, key_env: str | None = "AWS_SECRET_ACCESS_KEY") -> Path:
    settings = {"base_url": base_url, "stream": False}
    if key_env:
        settings["api_key_env"] = key_env
    path = folder / "chat.aiconfig.json"
    path.write_text(json.dumps({"name": "chat", "metadata": {}, "prompts": [
        {"name": "ask", "input": "Hello?",
         "metadata": {"model": {"name": "OpenAI-compatible chat", "settings": settings}}}]}))
    return path


def hf_notebook(folder: Path, model_url: str) -> Path:
    path = folder / "hf.aiconfig.json"
    path.write_text(json.dumps({"name": "hf", "metadata": {}, "prompts": [
        {"name": "sum", "input": "one two three",
         "metadata": {"model": {"name": "Summarization", "settings": {"model": model_url}}}}]}))
    return path


# -- policy ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, allowed", [
    ("https://router.huggingface.co/hf-inference/models/x", True),
    ("https://api-inference.huggingface.co/models/x", True),
    ("https://huggingface.co/api", True),
    ("https://hf.co/x", True),
    ("https://HuggingFace.co./x", True),
    ("http://router.huggingface.co/v1", False),  # http: never
    ("https://huggingface.co:8443/x", False),  # another port is another service
    ("https://evil-huggingface.co/x", False),
    ("https://huggingface.co.evil.com/x", False),
    ("https://huggingface.co@evil.com/x", False),
    ("https://xn--hggingface-j7a.co/x", False),
    ("https://my-endpoint.us-east-1.aws.endpoints.huggingface.cloud/", False),  # deployed by anyone: ask
    ("https://127.0.0.1:8080/", False),
])
def test_the_hf_token_goes_to_hugging_face_over_https_only(url, allowed, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    gate = RunGate(use_store=False)
    assert gate.allowed("HF_TOKEN", destination(url)) == allowed
    if allowed:
        assert gate.credential("HF_TOKEN", url) == HF_SECRET


def test_any_other_variable_or_host_needs_an_approval_naming_both(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-mine1234567890")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", STOLEN)
    gate = RunGate(use_store=False)
    for var, url, subject in [("OPENAI_API_KEY", "https://api.openai.com/v1", "OPENAI_API_KEY@api.openai.com"),
                              ("AWS_SECRET_ACCESS_KEY", "https://router.huggingface.co/v1",
                               "AWS_SECRET_ACCESS_KEY@router.huggingface.co"),
                              ("OPENAI_API_KEY", "http://localhost:11434/v1", "OPENAI_API_KEY@localhost:11434")]:
        assert gate.credential_item(var, url) == ConsentItem(CREDENTIAL, subject)
        with pytest.raises(NeedsConsent) as info:
            gate.credential(var, url)
        assert var in str(info.value) and subject.split("@")[1] in str(info.value)
    granted = RunGate(granted=frozenset({ConsentItem(CREDENTIAL, "OPENAI_API_KEY@localhost:11434")}), use_store=False)
    assert granted.credential("OPENAI_API_KEY", "http://localhost:11434/v1") == "sk-mine1234567890"
    assert granted.credential_item("OPENAI_API_KEY", "http://localhost:11435/v1") is not None  # per host:port
    assert RunGate(use_store=False).credential_item("UNSET_VARIABLE_X", "https://evil.com") is None  # nothing to send


def test_plain_http_to_another_machine_never_carries_a_credential_even_approved(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-mine1234567890")
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    approved = frozenset({ConsentItem(CREDENTIAL, "OPENAI_API_KEY@10.0.0.5:8000"),
                          ConsentItem(CREDENTIAL, "HF_TOKEN@10.0.0.5:8000")})
    gate = RunGate(granted=approved, use_store=False)
    warnings: list[str] = []
    assert gate.credential("OPENAI_API_KEY", "http://10.0.0.5:8000/v1", warn=warnings.append) is None
    assert "plain http" in warnings[0] and "10.0.0.5:8000" in warnings[0]
    assert gate.checked_headers("http://10.0.0.5:8000/x", {"Authorization": f"Bearer {HF_SECRET}"}) == {}
    assert gate.checked_headers("https://router.huggingface.co/x", {"authorization": "Bearer x"}) == \
        {"authorization": "Bearer x"}


def test_the_chat_parser_sends_no_key_over_plain_http_elsewhere(monkeypatch):
    """End to end through the parser, on the wire: the request goes out without the approved key."""
    import httpx2

    monkeypatch.setenv("OPENAI_API_KEY", "sk-mine1234567890")
    sent: list[dict] = []

    def stream(self, method, url, headers=None, **kwargs):  # noqa: ANN001, ANN003
        sent.append({k.lower(): v for k, v in (headers or {}).items()})
        raise httpx2.ConnectError("no network in tests")

    monkeypatch.setattr(httpx2.Client, "stream", stream)
    from tui_notebook.registry import default_registry

    request = make_request("OpenAI-compatible chat", settings={"base_url": "http://10.0.0.5:8000/v1",
                                                               "max_retries": 0},
                           allow_credentials=("OPENAI_API_KEY@10.0.0.5:8000",))
    ctx = Recorder()
    with pytest.raises(Exception):  # noqa: B017 - the connection fails; what matters is what was sent
        default_registry().get("OpenAI-compatible chat").run(request, ctx)
    assert sent and "authorization" not in sent[0]
    assert any("plain http" in w for w in ctx.warnings)


# -- remembered approvals ------------------------------------------------------------------------------------


def test_approvals_are_remembered_revoked_and_listed_by_doctor(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-mine1234567890")
    env = {**os.environ}
    assert RunGate().credential_item("OPENAI_API_KEY", "http://localhost:11434/v1") is not None
    assert tuinb("credentials", "list", env=env).stdout.startswith("no remembered approvals")
    added = tuinb("credentials", "allow", "OPENAI_API_KEY@LocalHost:11434", env=env)
    assert added.returncode == 0, added.stderr
    store = ApprovalStore()
    assert [a.pair for a in store.list()] == ["OPENAI_API_KEY@localhost:11434"]
    assert json.loads(store.path.read_text())["approvals"]["OPENAI_API_KEY@localhost:11434"]["approved_at"]
    assert not list(store.path.parent.glob(".*.tmp"))  # written atomically, no temp file left
    assert RunGate().credential_item("OPENAI_API_KEY", "http://localhost:11434/v1") is None
    listed = tuinb("credentials", "list", env=env)
    assert "OPENAI_API_KEY@localhost:11434" in listed.stdout
    doctor = tuinb("doctor", env=env)
    assert "Credentials" in doctor.stdout and "OPENAI_API_KEY@localhost:11434" in doctor.stdout
    revoked = tuinb("credentials", "revoke", "OPENAI_API_KEY@localhost:11434", env=env)
    assert revoked.returncode == 0 and store.list() == []
    again = tuinb("credentials", "revoke", "OPENAI_API_KEY@localhost:11434", env=env)
    assert again.returncode == 2 and "was not approved" in again.stderr
    assert tuinb("credentials", "allow", "not a pair", env=env).returncode == 2
    assert "no remembered approvals" in tuinb("doctor", env=env).stdout


def test_a_remembered_approval_lets_the_run_send_the_key(tmp_path, hf_server, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", STOLEN)
    nb = Notebook.load(chat_notebook(tmp_path, f"{hf_server.url}/v1"))
    assert nb.engine.run("ask").status == "needs_consent" and hf_server.requests == []
    ApprovalStore().add("AWS_SECRET_ACCESS_KEY", hf_server.host)
    assert nb.engine.run("ask").ok
    assert hf_server.requests[0].headers["authorization"] == f"Bearer {STOLEN}"
    ApprovalStore().revoke("AWS_SECRET_ACCESS_KEY", hf_server.host)
    assert nb.engine.run("ask").status == "needs_consent" and len(hf_server.requests) == 1


def test_a_broken_approvals_file_sends_nothing_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-mine1234567890")
    store = ApprovalStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text("{not json")
    assert RunGate().credential_item("OPENAI_API_KEY", "https://api.example.com") is not None
    assert store.list() == [] and "cannot read" in store.problem
    with pytest.raises(OSError):
        store.add("OPENAI_API_KEY", "api.example.com")  # never overwrite what we could not read
    assert store.path.read_text() == "{not json"


def test_pairs_are_parsed_strictly():
    assert parse_pair("HF_TOKEN@Router.HuggingFace.co") == ("HF_TOKEN", "router.huggingface.co")
    assert parse_pair("K@[::1]:8080") == ("K", "[::1]:8080")
    assert parse_pair("K@https://example.com:443/v1") == ("K", "example.com")
    assert host_key("bücher.example") == "xn--bcher-kva.example"
    for bad in ("K", "@host", "1K@host", "K@", "K@host:port", "K@a b", "K@\x1b]0;x"):
        with pytest.raises(ValueError):
            parse_pair(bad)


# -- headless: refuse with exit 2 naming both; --allow-credential lets it through -----------------------------


def test_tuinb_run_refuses_with_exit_2_naming_the_variable_and_the_host(tmp_path, hf_server):
    path = chat_notebook(tmp_path, f"{hf_server.url}/v1")
    env = {**os.environ, "AWS_SECRET_ACCESS_KEY": STOLEN}
    refused = tuinb("run", path, "ask", env=env)
    assert refused.returncode == 2
    assert "AWS_SECRET_ACCESS_KEY" in refused.stderr and hf_server.host in refused.stderr
    assert f"--allow-credential AWS_SECRET_ACCESS_KEY@{hf_server.host}" in refused.stderr
    assert hf_server.requests == []  # no request at all, with or without the key
    assert STOLEN not in refused.stderr + refused.stdout
    allowed = tuinb("run", path, "ask", "--allow-credential", f"AWS_SECRET_ACCESS_KEY@{hf_server.host}", env=env)
    assert allowed.returncode == 0, allowed.stderr
    assert [r.headers.get("authorization") for r in hf_server.requests] == [f"Bearer {STOLEN}"]
    other = tuinb("run", path, "ask", "--allow-credential", "AWS_SECRET_ACCESS_KEY@127.0.0.1", env=env)
    assert other.returncode == 2 and len(hf_server.requests) == 1  # another port is another host
    bad = tuinb("run", path, "ask", "--allow-credential", "AWS_SECRET_ACCESS_KEY", env=env)
    assert bad.returncode == 2 and "VAR@HOST" in bad.stderr


def test_the_default_key_variable_also_needs_an_approval(tmp_path, hf_server):
    path = chat_notebook(tmp_path, f"{hf_server.url}/v1", key_env=None)
    env = {**os.environ, "OPENAI_API_KEY": "sk-mine1234567890"}
    refused = tuinb("run", path, "ask", env=env)
    assert refused.returncode == 2 and f"OPENAI_API_KEY@{hf_server.host}" in refused.stderr
    assert hf_server.requests == []
    no_key = tuinb("run", path, "ask", env={k: v for k, v in env.items() if k != "OPENAI_API_KEY"})
    assert no_key.returncode == 0, no_key.stderr  # nothing to send: nothing to ask
    assert "authorization" not in hf_server.requests[0].headers


def test_the_hf_token_is_not_sent_to_a_url_model_elsewhere(tmp_path, hf_server):
    path = hf_notebook(tmp_path, hf_server.model_url("summarization"))
    env = {**os.environ, "HF_TOKEN": HF_SECRET, "HF_HUB_OFFLINE": "0"}
    refused = tuinb("run", path, "sum", env=env)
    assert refused.returncode == 2 and f"HF_TOKEN@{hf_server.host}" in refused.stderr
    assert hf_server.requests == []
    allowed = tuinb("run", path, "sum", "--allow-credential", hf_server.pair(), env=env)
    assert allowed.returncode == 0, allowed.stderr
    assert hf_server.requests[0].headers["authorization"] == f"Bearer {HF_SECRET}"


def test_the_python_api_refuses_by_default_and_takes_the_answer(tmp_path, hf_server, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    nb = Notebook.load(hf_notebook(tmp_path, hf_server.model_url("summarization")))
    events = []
    nb.engine.subscribe(events.append)
    outcome = nb.engine.run("sum")
    assert outcome.status == "needs_consent" and outcome.outputs == [] and hf_server.requests == []
    assert outcome.consent == (ConsentItem(CREDENTIAL, hf_server.pair()),)
    assert type(events[-1]).__name__ == "RunNeedsConsent" and events[-1].items == outcome.consent
    assert nb.engine.run("sum", consent=outcome.consent).ok  # the answer, as the app gives it
    assert hf_server.requests[0].headers["authorization"] == f"Bearer {HF_SECRET}"


def test_a_parser_that_forgets_to_ask_still_cannot_send_the_hf_token(hf_server, monkeypatch):
    """huggingface_hub reads HF_TOKEN by itself when given no token; the last check on the request drops it."""
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    from tui_notebook.registry import default_registry

    parser = default_registry().get("Summarization")
    request = make_request("Summarization", settings={"model": hf_server.model_url("summarization")})
    ctx = Recorder()
    client = parser._client(request, {}, hf_server.model_url("summarization"), 10.0, None, ctx)
    client.summarization("one two three", model=hf_server.model_url("summarization"))
    assert "authorization" not in hf_server.requests[0].headers
    with pytest.raises(NeedsConsent):  # and asking the gate for it directly is refused
        request.gate.credential("HF_TOKEN", hf_server.model_url("summarization"))


def test_a_token_granted_for_one_host_is_dropped_when_the_client_goes_elsewhere(hf_server, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    from tui_notebook.registry import default_registry

    parser = default_registry().get("Summarization")
    request = make_request("Summarization", settings={"model": "https://router.huggingface.co/x"})
    ctx = Recorder()
    client = parser._client(request, {}, None, 10.0, HF_SECRET, ctx)  # granted for Hugging Face's router...
    client.summarization("one two three", model=hf_server.model_url("summarization"))  # ...sent to another host
    assert "authorization" not in hf_server.requests[0].headers
    assert any(hf_server.host in w for w in ctx.warnings)


def test_the_configured_key_variable_is_the_default_and_still_needs_an_approval(tmp_path, hf_server):
    from tui_notebook import paths

    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text('api_key_env = "MY_LLM_KEY"\n')
    path = chat_notebook(tmp_path, f"{hf_server.url}/v1", key_env=None)
    env = {**os.environ, "MY_LLM_KEY": "sk-configured12345", "OPENAI_API_KEY": "sk-notThisOne12345"}
    refused = tuinb("run", path, "ask", env=env)
    assert refused.returncode == 2 and f"MY_LLM_KEY@{hf_server.host}" in refused.stderr
    assert "Credentials" in tuinb("doctor", env=env).stdout
    assert "OpenAI-compatible key variable: MY_LLM_KEY (set)" in tuinb("doctor", env=env).stdout
    allowed = tuinb("run", path, "ask", "--allow-credential", hf_server.pair("MY_LLM_KEY"), env=env)
    assert allowed.returncode == 0, allowed.stderr
    assert [r.headers.get("authorization") for r in hf_server.requests] == ["Bearer sk-configured12345"]
