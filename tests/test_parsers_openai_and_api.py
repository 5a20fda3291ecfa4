"""OpenAI-compatible chat over loopback HTTP, plus the parser catalogue's contract: lazy imports, schemas,
registration, attachments and redaction helpers."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading

import pytest

from fixtures.hf_server import CHAT_TOKENS, tiny_wav
from fixtures.parser_run import Recorder, make_request
from tui_notebook.parser_api import CancelToken, Cancelled, ParserError

CHAT = "OpenAI-compatible chat"


def chat(registry, request, ctx=None):
    ctx = ctx or Recorder()
    return registry.get(CHAT).run(request, ctx), ctx


def test_chat_streaming_sends_settings(parser_registry, hf_server, monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-localtestkey12345")
    request = make_request(CHAT, text="Hello?", settings={
        "base_url": f"{hf_server.url}/v1", "model": "llama3", "system_prompt": "Be brief.", "max_tokens": 4,
        "temperature": 0.2, "top_p": 0.5, "stop": "\n", "api_key_env": "MY_KEY"},
        allow_credentials=(hf_server.pair("MY_KEY"),))
    outputs, ctx = chat(registry=parser_registry, request=request)
    assert ctx.chunks == CHAT_TOKENS[:4]
    assert outputs[0].data == "".join(CHAT_TOKENS[:4]) and outputs[0].metadata == {"finish_reason": "stop"}
    record = hf_server.requests[0]
    assert record.path == "/v1/chat/completions"
    assert record.json["messages"] == [{"role": "system", "content": "Be brief."},
                                       {"role": "user", "content": "Hello?"}]
    assert record.json["model"] == "llama3" and record.json["stop"] == ["\n"] and record.json["stream"] is True
    assert record.json["temperature"] == 0.2 and record.json["top_p"] == 0.5 and record.json["max_tokens"] == 4
    assert record.headers["authorization"] == "Bearer sk-localtestkey12345"


def test_chat_without_streaming_and_no_hf_token_leak(parser_registry, hf_server, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_mustNotLeakToOtherServers1")
    request = make_request(CHAT, stream=False, settings={"base_url": f"{hf_server.url}/v1/", "model": "m"})
    outputs, ctx = chat(parser_registry, request)
    assert outputs[0].data == "".join(CHAT_TOKENS) and ctx.chunks == []
    assert outputs[0].metadata["usage"]["completion_tokens"] == len(CHAT_TOKENS)
    assert "authorization" not in hf_server.requests[0].headers


def test_chat_errors(parser_registry, hf_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-verysecretkey987654321")
    settings = {"base_url": f"{hf_server.url}/v1", "max_retries": 0}
    allowed = (hf_server.pair("OPENAI_API_KEY"),)
    hf_server.fail(401, echo_auth=True)
    with pytest.raises(ParserError) as info:  # the key is approved for this server, sent, echoed, never shown
        chat(parser_registry, make_request(CHAT, settings=settings, allow_credentials=allowed))
    assert hf_server.requests[0].headers["authorization"] == "Bearer sk-verysecretkey987654321"
    assert "OPENAI_API_KEY" in str(info.value) and "sk-verysecretkey987654321" not in str(info.value)
    hf_server.fail("cut")
    with pytest.raises(ParserError, match="broke before the answer was complete"):
        chat(parser_registry, make_request(CHAT, settings=settings, allow_credentials=allowed))
    hf_server.fail("garbage")
    with pytest.raises(ParserError, match="cannot read"):
        chat(parser_registry, make_request(CHAT, stream=False, settings=settings, allow_credentials=allowed))
    hf_server.fail(429, retry_after=0)
    outputs, _ = chat(parser_registry, make_request(CHAT, settings={**settings, "max_retries": 1},
                                                           allow_credentials=allowed))
    assert outputs[0].data == "".join(CHAT_TOKENS)
    with pytest.raises(ParserError, match="base_url"):
        chat(parser_registry, make_request(CHAT, settings={}))


def test_chat_cancel(parser_registry, hf_server):
    hf_server.token_delay = 0.05
    token = CancelToken()
    ctx = Recorder(token)
    ctx._on_text = lambda chunk, _all: (ctx.chunks.append(chunk), token.cancel())
    with pytest.raises(Cancelled):
        chat(parser_registry, make_request(CHAT, settings={"base_url": f"{hf_server.url}/v1"}), ctx)
    assert len(ctx.chunks) == 1


# -- catalogue contract -------------------------------------------------------------------------------------


def test_importing_parsers_loads_no_heavy_library():
    code = ("import tui_notebook.parsers, sys; from tui_notebook.registry import default_registry; "
            "default_registry(); print([m for m in ('torch','transformers','diffusers',"
            "'huggingface_hub.inference._client','httpx2') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_catalogue_name_is_a_real_parser(parser_registry):
    from tui_notebook.parsers.huggingface import TASKS

    for spec in TASKS:
        names = [spec.label, spec.remote_id] + ([f"{spec.label} (Local)", spec.local_id] if spec.local_id else [])
        for name in names:
            parser = parser_registry.get(name)
            assert parser is not None, name
            assert "Pending" not in type(parser).__mro__[1].__name__, name
            assert parser.task == spec.task and parser.local == name.endswith(("(Local)", spec.local_id or "-"))
            assert parser.input_kind == spec.input_kind and parser.accepts == spec.accepts
    assert parser_registry.get("OpenAICompatibleChat") is parser_registry.get(CHAT)
    assert parser_registry.get("HuggingFaceTextGenerationParser").task == "text-generation"


def test_settings_schemas_are_well_formed(parser_registry):
    allowed_types = {"string", "number", "integer", "boolean", "array", "object"}
    for name, parser in parser_registry.items():
        schema = parser.settings_schema
        assert schema["type"] == "object", name
        for key, prop in schema.get("properties", {}).items():
            types = prop.get("type", [])
            types = [types] if isinstance(types, str) else types
            assert set(types) <= allowed_types, (name, key)
            if "default" in prop and "enum" in prop:
                assert prop["default"] in prop["enum"], (name, key)
            if "minimum" in prop and "maximum" in prop:
                assert prop["minimum"] <= prop["maximum"], (name, key)
        if name.startswith("HuggingFace") and parser.default_model:
            assert schema["properties"]["model"]["default"] == parser.default_model
    remote = parser_registry.get("Text Generation").settings_schema["properties"]
    assert remote["max_new_tokens"]["default"] == 400 and remote["provider"]["default"] == "auto"
    assert "temperature" in remote and remote["stream"]["default"] is True
    local_t2i = parser_registry.get("Text-to-Image (Local)").settings_schema["properties"]
    assert {"num_images_per_prompt", "seed", "num_inference_steps", "guidance_scale", "negative_prompt"} <= set(
        local_t2i)


def test_redaction():
    from tui_notebook.parsers.errors import redact

    text = "failed with Authorization: Bearer abc.def-123 and hf_AbCdEf123456 and sk-proj_abcdefgh12345 and mine"
    out = redact(text, ["mine"])
    assert "abc.def-123" not in out and "AbCdEf123456" not in out and "abcdefgh12345" not in out
    assert "mine" not in out and "failed with" in out


def test_attachment_sources(tmp_path):
    from tui_notebook.parsers.attachments import load_attachment

    wav = tiny_wav()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.bin").write_bytes(wav)
    cases = [
        {"data": {"kind": "file_uri", "value": "sub/x.bin"}},  # relative, no declared type: sniffed
        {"data": (tmp_path / "sub" / "x.bin").as_uri()},
        {"data": {"kind": "base64", "value": base64.b64encode(wav).decode()}, "mime_type": "audio/x-wav"},
    ]
    blobs = [load_attachment(case, tmp_path) for case in cases]
    assert all(b.data == wav for b in blobs)
    assert [b.mime_type for b in blobs] == ["audio/wav", "audio/wav", "audio/x-wav"]
    with pytest.raises(ParserError, match="not found"):
        load_attachment({"data": "missing.wav"}, tmp_path)
    with pytest.raises(ParserError, match="file_uri or base64"):
        load_attachment({"data": {"kind": "weird", "value": "x"}}, tmp_path)


def test_attachment_download_is_cancellable():
    """A URL that never finishes sending is abandoned as soon as the run is cancelled."""
    import socket

    from tui_notebook.consent import RunGate
    from tui_notebook.parsers.attachments import load_attachment

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    held = []

    def serve():
        conn, _ = listener.accept()
        held.append(conn)
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)

    threading.Thread(target=serve, daemon=True).start()
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/big.wav"
    with pytest.raises(Cancelled):
        load_attachment({"data": url}, ".", token, timeout=5, gate=RunGate(allow_private_urls=True))
    listener.close()
    for conn in held:
        conn.close()


def test_media_helpers_roundtrip():
    import numpy as np

    from tui_notebook.parsers.media import decode_audio, resample, wav_bytes

    tone = (0.5 * np.sin(np.arange(8000) / 5)).astype("float32")
    samples, rate = decode_audio(wav_bytes(tone, 8000))
    assert rate == 8000 and np.allclose(samples, tone, atol=1e-3)
    up = resample(samples, 8000, 16000)
    assert len(up) == 16000 and np.allclose(up[::2], samples, atol=1e-3)


def test_chat_stream_that_ends_without_done_is_an_error(parser_registry, hf_server):
    hf_server.fail("end_early")
    with pytest.raises(ParserError, match="ended early after 2 chunks"):
        chat(parser_registry, make_request(CHAT, settings={"base_url": f"{hf_server.url}/v1"}))
