"""Remote parsers through the real InferenceClient / HTTP to the loopback fake Inference API."""

from __future__ import annotations

import base64
import io
import threading
import time

import pytest

from fixtures.hf_server import STREAM_TOKENS, tiny_png, tiny_wav
from fixtures.parser_run import Recorder, make_request
from tui_notebook.parser_api import CancelToken, Cancelled, ParserError


def run(registry, name, request, ctx=None):
    ctx = ctx or Recorder()
    return registry.get(name).run(request, ctx), ctx


# -- every task ----------------------------------------------------------------------------------------------


def test_text_generation_streams_token_by_token(parser_registry, hf_server):
    request = make_request("Text Generation", text="Tell me a story",
                           settings={"model": hf_server.model_url("text-generation"), "temperature": 0.7,
                                     "top_p": 0.9, "max_new_tokens": 6, "stop_sequences": ["\n\n"], "seed": 3})
    outputs, ctx = run(parser_registry, "Text Generation", request)
    assert ctx.chunks == STREAM_TOKENS[:6]  # one chunk per token; the special end token is not shown
    assert outputs[0].data == "".join(STREAM_TOKENS[:6])
    sent = hf_server.requests[0].json
    assert sent["inputs"] == "Tell me a story" and sent["stream"] is True
    # temperature reaches the API (the reference dropped it), and stop_sequences maps to TGI's `stop`
    assert sent["parameters"]["temperature"] == 0.7
    assert sent["parameters"]["top_p"] == 0.9 and sent["parameters"]["seed"] == 3
    assert sent["parameters"]["stop"] == ["\n\n"]
    assert outputs[0].metadata == {}


def test_text_generation_without_stream_and_details(parser_registry, hf_server):
    request = make_request("HuggingFaceTextGenerationRemoteInference", stream=False,
                           settings={"model": hf_server.model_url("text-generation"), "max_new_tokens": 3})
    outputs, ctx = run(parser_registry, "HuggingFaceTextGenerationRemoteInference", request)
    assert outputs[0].data == "".join(STREAM_TOKENS[:3])
    assert ctx.chunks == []
    sent = hf_server.requests[0].json
    assert "details" not in sent["parameters"] and not sent.get("stream")


def test_text_generation_default_max_new_tokens_and_details(parser_registry, hf_server):
    request = make_request("Text Generation", settings={"model": hf_server.model_url("text-generation"),
                                                        "stream": False, "details": True})
    outputs, _ = run(parser_registry, "Text Generation", request)
    sent = hf_server.requests[0].json["parameters"]
    assert sent["max_new_tokens"] == 400 and sent["details"] is True
    assert outputs[0].metadata["details"]["finish_reason"] == "length"


def test_summarization(parser_registry, hf_server):
    request = make_request("Summarization", text="one two three four five six",
                           settings={"model": hf_server.model_url("summarization"), "max_length": 20,
                                     "temperature": 0.5, "use_cache": False, "wait_for_model": True})
    outputs, _ = run(parser_registry, "Summarization", request)
    assert outputs[0].data == "summary: one two three"
    record = hf_server.requests[0]
    assert record.json["parameters"]["generate_parameters"] == {"max_length": 20, "temperature": 0.5}
    assert record.headers["x-use-cache"] == "false" and record.headers["x-wait-for-model"] == "true"


def test_translation_languages(parser_registry, hf_server):
    request = make_request("Translation", text="Hello", settings={"model": hf_server.model_url("translation"),
                                                                  "src_lang": "en_XX", "tgt_lang": "fr_XX"})
    outputs, _ = run(parser_registry, "Translation", request)
    assert outputs[0].data == "[en_XX->fr_XX] Hello"


def test_text_to_image_png(parser_registry, hf_server):
    request = make_request("Text-to-Image", text="a cat",
                           settings={"model": hf_server.model_url("text-to-image"), "width": 24, "height": 8,
                                     "num_inference_steps": 2, "guidance_scale": 3.0, "negative_prompt": "dog"})
    outputs, _ = run(parser_registry, "Text-to-Image", request)
    from PIL import Image

    assert outputs[0].mime_type == "image/png" and outputs[0].data.kind == "base64"
    image = Image.open(io.BytesIO(base64.b64decode(outputs[0].data.value)))
    assert image.size == (24, 8)
    params = hf_server.requests[0].json["parameters"]
    assert params["negative_prompt"] == "dog" and params["num_inference_steps"] == 2


def test_text_to_speech_wav_and_media_as_files(parser_registry, hf_server, tmp_path):
    request = make_request("Text-to-Speech", text="hi", settings={"model": hf_server.model_url("text-to-speech")},
                           media_as_files=True, notebook_dir=tmp_path,
                           notebook_path=tmp_path / "demo.aiconfig.json", prompt_name="say hi")
    outputs, _ = run(parser_registry, "Text-to-Speech", request)
    out = outputs[0]
    assert out.mime_type == "audio/wav" and out.data.kind == "file_uri"
    assert out.data.value.startswith("demo.media/say_hi-0-") and out.data.value.endswith(".wav")
    assert (tmp_path / out.data.value).read_bytes() == tiny_wav()


@pytest.mark.parametrize("style", ["base64", "file_uri", "bare_path", "data_url"])
def test_speech_recognition_attachment_styles(parser_registry, hf_server, tmp_path, style):
    audio = tiny_wav()
    (tmp_path / "clip.wav").write_bytes(audio)
    data = {
        "base64": {"kind": "base64", "value": base64.b64encode(audio).decode()},
        "file_uri": {"kind": "file_uri", "value": "clip.wav"},  # relative to the notebook
        "bare_path": str(tmp_path / "clip.wav"),
        "data_url": {"kind": "base64", "value": "data:audio/wav;base64," + base64.b64encode(audio).decode()},
    }[style]
    request = make_request("Automatic Speech Recognition", notebook_dir=tmp_path,
                           attachments=[{"data": data, "mime_type": "audio/wav"}],
                           settings={"model": hf_server.model_url("asr")})
    outputs, _ = run(parser_registry, "Automatic Speech Recognition", request)
    assert outputs[0].data == f"heard {len(audio)} bytes of audio/wav"
    assert hf_server.requests[0].body == audio


def test_image_to_text_base64(parser_registry, hf_server):
    png = tiny_png(20, 10)
    request = make_request("Image-to-Text", settings={"model": hf_server.model_url("image-to-text")},
                           attachments=[{"data": {"kind": "base64", "value": base64.b64encode(png).decode()},
                                         "mime_type": "image/png"}])
    outputs, _ = run(parser_registry, "Image-to-Text", request)
    assert outputs[0].data == "a 20x10 picture"


def test_attachment_over_http(parser_registry, hf_server, tmp_path):
    """An http(s) attachment is downloaded by us, then uploaded as bytes."""
    import http.server
    import socketserver

    png = tiny_png(5, 7)

    class Files(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *a):
            pass

    with socketserver.TCPServer(("127.0.0.1", 0), Files) as files:
        threading.Thread(target=files.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{files.server_address[1]}/pic.png"
        request = make_request("Image-to-Text", settings={"model": hf_server.model_url("image-to-text")},
                               attachments=[{"data": {"kind": "file_uri", "value": url}, "mime_type": "image/png"}],
                               allow_private_urls=True)  # a loopback address: the user said yes
        outputs, _ = run(parser_registry, "Image-to-Text", request)
        files.shutdown()
    assert outputs[0].data == "a 5x7 picture"


def test_wrong_attachment_type_is_refused(parser_registry, hf_server):
    request = make_request("Image-to-Text", settings={"model": hf_server.model_url("image-to-text")},
                           attachments=[{"data": {"kind": "base64", "value": base64.b64encode(tiny_wav()).decode()},
                                         "mime_type": "audio/wav"}])
    with pytest.raises(ParserError, match="image/"):
        run(parser_registry, "Image-to-Text", request)
    assert hf_server.requests == []


def test_conversational_uses_chat_route(parser_registry, hf_server):
    request = make_request("Conversational", settings={"model": hf_server.model_url("conversational"),
                                                       "parameters": {"max_length": 2, "temperature": 0.1}})
    outputs, _ = run(parser_registry, "Conversational", request)
    assert outputs[0].data == "Hi there"
    assert hf_server.requests[0].path.endswith("/chat/completions")
    assert hf_server.requests[0].json["max_tokens"] == 2


def test_unknown_settings_are_reported(parser_registry, hf_server):
    request = make_request("Translation", settings={"model": hf_server.model_url("translation"), "colour": "red"})
    _, ctx = run(parser_registry, "Translation", request)
    assert any("colour" in w for w in ctx.warnings)


def test_token_is_sent_from_options(parser_registry, hf_server):
    request = make_request("Summarization", settings={"model": hf_server.model_url("summarization")},
                           hf_token="hf_optionsTokenABCDEF123", allow_credentials=(hf_server.pair(),))
    run(parser_registry, "Summarization", request)
    assert hf_server.requests[0].headers["authorization"] == "Bearer hf_optionsTokenABCDEF123"


# -- errors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status, needle", [
    (401, "not authenticated (401). The Hugging Face token is sent only to Hugging Face's hosts"),
    (403, "refused access"),
    (404, "was not found or is not served"),
    (500, "answered HTTP 500"),
])
def test_http_errors_become_clear_messages(parser_registry, hf_server, status, needle):
    hf_server.fail(status)
    request = make_request("Summarization", settings={"model": hf_server.model_url("summarization")})
    with pytest.raises(ParserError) as info:
        run(parser_registry, "Summarization", request)
    assert needle in str(info.value)
    assert "Traceback" not in str(info.value)


def test_a_401_from_another_host_says_what_applies_there_and_from_hugging_face_how_to_set_the_token(
        parser_registry, hf_server, monkeypatch):
    hf_server.fail(401)
    request = make_request("Summarization", settings={"model": hf_server.model_url("summarization")})
    with pytest.raises(ParserError) as info:
        run(parser_registry, "Summarization", request)
    message = str(info.value)
    assert "set the HF_TOKEN" not in message and "hf auth login" not in message
    assert f"--allow-credential HF_TOKEN@{hf_server.host}" in message and "settings.api_key_env" in message
    # the same server configured as the user's Hugging Face endpoint: the token advice applies
    monkeypatch.setenv("HF_INFERENCE_ENDPOINT", hf_server.url)
    hf_server.fail(401)
    with pytest.raises(ParserError, match="To use a token, set the HF_TOKEN environment variable"):
        run(parser_registry, "Summarization", make_request("Summarization",
                                                           settings={"model": hf_server.model_url("summarization")}))


def test_rate_limit_is_retried_after_the_servers_wait(parser_registry, hf_server):
    hf_server.fail(429, retry_after=1)
    request = make_request("Summarization", text="a b c", settings={"model": hf_server.model_url("summarization")})
    started = time.monotonic()
    outputs, ctx = run(parser_registry, "Summarization", request)
    assert time.monotonic() - started >= 0.9
    assert outputs[0].data == "summary: a b c"
    assert len(hf_server.requests) == 2
    assert any("429" in message and "retry 1/" in message for _, message in ctx.progress_reports)


def test_model_loading_503_waits_estimated_time(parser_registry, hf_server):
    hf_server.fail(503, loading=True, estimated_time=1)
    request = make_request("Text Generation", settings={"model": hf_server.model_url("text-generation"),
                                                        "max_new_tokens": 2})
    outputs, ctx = run(parser_registry, "Text Generation", request)
    assert outputs[0].data == "".join(STREAM_TOKENS[:2])
    assert any("still loading" in message for _, message in ctx.progress_reports)


def test_retries_give_up(parser_registry, hf_server):
    hf_server.fail(429, times=3, retry_after=0)
    request = make_request("Summarization", settings={"model": hf_server.model_url("summarization"),
                                                      "max_retries": 1})
    with pytest.raises(ParserError, match="gave up after 2 attempts"):
        run(parser_registry, "Summarization", request)
    assert len(hf_server.requests) == 2


def test_cancel_while_waiting_for_a_loading_model(parser_registry, hf_server):
    hf_server.fail(503, times=5, loading=True, estimated_time=30)
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    request = make_request("Summarization", settings={"model": hf_server.model_url("summarization")})
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run(parser_registry, "Summarization", request, Recorder(token))
    assert time.monotonic() - started < 3


def test_timeout(parser_registry, hf_server):
    hf_server.fail("slow", seconds=2)
    request = make_request("Summarization", settings={"model": hf_server.model_url("summarization"),
                                                      "timeout": 1})
    with pytest.raises(ParserError, match="did not answer after 1 s"):
        run(parser_registry, "Summarization", request)


def test_connection_refused(parser_registry, hf_server):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed as soon as we leave the block: nothing listens there
    request = make_request("Summarization", settings={"model": f"http://127.0.0.1:{port}/models/x"})
    with pytest.raises(ParserError, match="cannot connect"):
        run(parser_registry, "Summarization", request)


def test_stream_cut_midway(parser_registry, hf_server):
    hf_server.fail("cut")
    request = make_request("Text Generation", settings={"model": hf_server.model_url("text-generation")})
    with pytest.raises(ParserError, match="broke before the answer was complete"):
        run(parser_registry, "Text Generation", request)


def test_garbage_json(parser_registry, hf_server):
    hf_server.fail("garbage")
    request = make_request("Summarization", settings={"model": hf_server.model_url("summarization")})
    with pytest.raises(ParserError, match="cannot read"):
        run(parser_registry, "Summarization", request)


def test_token_never_appears_in_errors(parser_registry, hf_server, monkeypatch):
    secret = "hf_secretTOKEN1234567890abcdef"
    monkeypatch.setenv("HF_TOKEN", secret)
    hf_server.fail(401, echo_auth=True)
    request = make_request("Summarization", settings={"model": hf_server.model_url("summarization")},
                           allow_credentials=(hf_server.pair(),))
    with pytest.raises(ParserError) as info:
        run(parser_registry, "Summarization", request)
    assert hf_server.requests[0].headers["authorization"] == f"Bearer {secret}"  # it was used...
    assert secret not in str(info.value)  # ...and never shown
    assert "secretTOKEN" not in str(info.value)
    assert "401" in str(info.value)


def test_cancel_stops_a_remote_stream(parser_registry, hf_server):
    hf_server.token_delay = 0.05
    token = CancelToken()
    ctx = Recorder(token)
    ctx._on_text = lambda chunk, _all: (ctx.chunks.append(chunk), len(ctx.chunks) == 2 and token.cancel())
    request = make_request("Text Generation", settings={"model": hf_server.model_url("text-generation")})
    with pytest.raises(Cancelled):
        run(parser_registry, "Text Generation", request, ctx)
    assert len(ctx.chunks) == 2


def test_stream_that_ends_without_its_final_event_is_an_error(parser_registry, hf_server):
    hf_server.fail("end_early")
    request = make_request("Text Generation", settings={"model": hf_server.model_url("text-generation")})
    ctx = Recorder()
    with pytest.raises(ParserError, match="the stream ended after 2 tokens without its final event"):
        run(parser_registry, "Text Generation", request, ctx)
    assert ctx.chunks == STREAM_TOKENS[:2]  # what was received was shown while it streamed
