"""Local parsers on tiny random-weight models built by the session fixtures (no network)."""

from __future__ import annotations

import base64
import io

import pytest

from fixtures.hf_server import tiny_png, tiny_wav
from fixtures.parser_run import Recorder, make_request
from tui_notebook.parser_api import CancelToken, Cancelled, NotRunnable, ParserError

pytestmark = pytest.mark.slow


def run(registry, name, request, ctx=None):
    ctx = ctx or Recorder()
    return registry.get(name).run(request, ctx), ctx


@pytest.fixture
def fresh_cache(monkeypatch):
    """A private model cache, so load counts are this test's own."""
    from tui_notebook.parsers import hf_local_base, model_cache

    cache = model_cache.ModelCache()
    monkeypatch.setattr(hf_local_base, "CACHE", cache)
    return cache


def _cancel_after(ctx: Recorder, token: CancelToken, chunks: int) -> None:
    def on_text(chunk, _all):
        ctx.chunks.append(chunk)
        if len(ctx.chunks) == chunks:
            token.cancel()

    ctx._on_text = on_text


# -- text -------------------------------------------------------------------------------------------------


def test_text_generation_streams_and_matches_output(parser_registry, tiny_text_generation):
    request = make_request("Text Generation (Local)", text="Hello world",
                           settings={"model": tiny_text_generation, "max_new_tokens": 12, "do_sample": False,
                                     "min_new_tokens": 12, "return_full_text": False})
    outputs, ctx = run(parser_registry, "Text Generation (Local)", request)
    assert len(ctx.chunks) >= 3
    assert "".join(ctx.chunks).strip() == outputs[0].data.strip()
    assert isinstance(outputs[0].data, str) and outputs[0].data


def test_text_generation_includes_prompt_by_default(parser_registry, tiny_text_generation):
    request = make_request("HuggingFaceTextGenerationTransformer", text="Hello world", stream=False,
                           settings={"model": tiny_text_generation, "max_new_tokens": 4, "do_sample": False})
    outputs, ctx = run(parser_registry, "HuggingFaceTextGenerationTransformer", request)
    assert outputs[0].data.startswith("Hello world")  # the reference's pipeline default
    assert ctx.chunks == []


def test_text_generation_several_sequences(parser_registry, tiny_text_generation):
    request = make_request("Text Generation (Local)", settings={
        "model": tiny_text_generation, "max_new_tokens": 3, "do_sample": True, "num_return_sequences": 2})
    outputs, ctx = run(parser_registry, "Text Generation (Local)", request)
    assert [o.execution_count for o in outputs] == [0, 1]
    assert any("num_return_sequences" in w for w in ctx.warnings)


def test_text_generation_settings_reach_generate(parser_registry, tiny_text_generation):
    """max_new_tokens is honoured: greedy output with 3 tokens is a strict prefix of the one with 12."""
    outputs = {}
    for count in (3, 12):
        request = make_request("Text Generation (Local)", stream=False, settings={
            "model": tiny_text_generation, "max_new_tokens": count, "min_new_tokens": count,
            "return_full_text": False, "do_sample": False})
        outputs[count] = run(parser_registry, "Text Generation (Local)", request)[0][0].data
    assert outputs[12].startswith(outputs[3]) and len(outputs[12]) > len(outputs[3])


def test_cancel_stops_local_generation(parser_registry, tiny_text_generation):
    token = CancelToken()
    ctx = Recorder(token)
    _cancel_after(ctx, token, 3)
    request = make_request("Text Generation (Local)", settings={
        "model": tiny_text_generation, "max_new_tokens": 60, "min_new_tokens": 60, "return_full_text": False})
    with pytest.raises(Cancelled):
        run(parser_registry, "Text Generation (Local)", request, ctx)
    assert len(ctx.chunks) == 3


def test_cancel_without_streaming_uses_stopping_criteria(parser_registry, tiny_text_generation):
    token = CancelToken()
    ctx = Recorder(token)
    ctx._on_progress = lambda f, m: m.startswith("generating") and token.cancel()
    request = make_request("Text Generation (Local)", stream=False, settings={
        "model": tiny_text_generation, "max_new_tokens": 60, "min_new_tokens": 60})
    with pytest.raises(Cancelled):
        run(parser_registry, "Text Generation (Local)", request, ctx)


def test_summarization_streams(parser_registry, tiny_seq2seq):
    request = make_request("Summarization (Local)", text="The quick brown fox jumps over the lazy dog.",
                           settings={"model": tiny_seq2seq, "max_new_tokens": 8, "min_new_tokens": 8})
    outputs, ctx = run(parser_registry, "Summarization (Local)", request)
    assert len(ctx.chunks) >= 2
    assert "".join(ctx.chunks).strip() == outputs[0].data


def test_translation_runs_and_cancels(parser_registry, tiny_seq2seq):
    request = make_request("HuggingFaceTextTranslationTransformer", text="Hello world, this is a test.",
                           settings={"model": tiny_seq2seq, "max_new_tokens": 6, "src_lang": "en", "tgt_lang": "fr"})
    outputs, _ = run(parser_registry, "HuggingFaceTextTranslationTransformer", request)
    assert isinstance(outputs[0].data, str)
    token = CancelToken()
    ctx = Recorder(token)
    _cancel_after(ctx, token, 2)
    request.settings.update(max_new_tokens=40, min_new_tokens=40)
    with pytest.raises(Cancelled):
        run(parser_registry, "Translation (Local)", request, ctx)
    assert len(ctx.chunks) == 2


# -- cache ------------------------------------------------------------------------------------------------


def test_cache_loads_a_model_once_for_two_runs(parser_registry, tiny_seq2seq, fresh_cache):
    request = make_request("Summarization (Local)", settings={"model": tiny_seq2seq, "max_new_tokens": 3})
    run(parser_registry, "Summarization (Local)", request)
    run(parser_registry, "Translation (Local)", request)  # same weights, same creation settings: shared
    assert list(fresh_cache.stats.loads.values()) == [1]
    assert fresh_cache.stats.hits == 1
    request.settings["torch_dtype"] = "float32"  # a creation setting: a different cache entry
    run(parser_registry, "Summarization (Local)", request)
    assert len(fresh_cache.stats.loads) == 2
    assert fresh_cache.unload(tiny_seq2seq) == 2 and fresh_cache.keys() == []


def test_cache_evicts_least_recently_used_over_budget(tiny_seq2seq, tiny_text_generation, fresh_cache,
                                                      parser_registry):
    fresh_cache.budget = 1  # every model is over budget: only the newest stays
    run(parser_registry, "Summarization (Local)",
        make_request("Summarization (Local)", settings={"model": tiny_seq2seq, "max_new_tokens": 4}))
    run(parser_registry, "Text Generation (Local)",
        make_request("Text Generation (Local)", settings={"model": tiny_text_generation, "max_new_tokens": 2}))
    assert fresh_cache.stats.evictions == 1
    assert [k[1] for k in fresh_cache.keys()] == [tiny_text_generation]


# -- media ------------------------------------------------------------------------------------------------


def test_speech_recognition_resamples_any_rate(parser_registry, tiny_asr, tmp_path):
    audio = tiny_wav(seconds=0.5, rate=8000)  # the model wants 16 kHz: we resample, no ffmpeg / torchaudio
    (tmp_path / "a.wav").write_bytes(audio)
    request = make_request("Automatic Speech Recognition (Local)", notebook_dir=tmp_path, attachments=[
        {"data": {"kind": "file_uri", "value": "a.wav"}, "mime_type": "audio/wav"},
        {"data": {"kind": "base64", "value": base64.b64encode(audio).decode()}, "mime_type": "audio/wav"}],
        settings={"model": tiny_asr})
    outputs, _ = run(parser_registry, "Automatic Speech Recognition (Local)", request)
    assert [o.execution_count for o in outputs] == [0, 1]
    assert all(isinstance(o.data, str) for o in outputs)
    assert outputs[0].data == outputs[1].data  # same audio, either way of attaching


def test_speech_recognition_flac(parser_registry, tiny_asr):
    import numpy as np
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, (0.1 * np.sin(np.arange(22050) / 10)).astype("float32"), 22050, format="FLAC")
    request = make_request("HuggingFaceAutomaticSpeechRecognitionTransformer", attachments=[
        {"data": {"kind": "base64", "value": base64.b64encode(buffer.getvalue()).decode()},
         "mime_type": "audio/flac"}], settings={"model": tiny_asr})
    outputs, _ = run(parser_registry, "HuggingFaceAutomaticSpeechRecognitionTransformer", request)
    assert isinstance(outputs[0].data, str)


def test_text_to_speech_wav_keeps_sampling_rate(parser_registry, tiny_tts):
    import wave

    request = make_request("Text-to-Speech (Local)", text="hello world", settings={"model": tiny_tts})
    outputs, _ = run(parser_registry, "Text-to-Speech (Local)", request)
    out = outputs[0]
    assert out.mime_type == "audio/wav" and out.data.kind == "base64"
    with wave.open(io.BytesIO(base64.b64decode(out.data.value))) as wav:
        assert wav.getframerate() == 16000 and wav.getnframes() > 100


def test_image_to_text(parser_registry, tiny_captioner):
    request = make_request("Image-to-Text (Local)", attachments=[
        {"data": {"kind": "base64", "value": base64.b64encode(tiny_png(40, 30)).decode()}, "mime_type": "image/png"}],
        settings={"model": tiny_captioner, "max_new_tokens": 5})
    outputs, _ = run(parser_registry, "Image-to-Text (Local)", request)
    assert isinstance(outputs[0].data, str)


def test_text_to_image_several_images_with_metadata(parser_registry, tiny_diffusion, tmp_path):
    from PIL import Image

    settings = {"model": tiny_diffusion, "num_inference_steps": 3, "num_images_per_prompt": 2, "seed": 7,
                "guidance_scale": 5.0, "negative_prompt": "dog"}
    request = make_request("Text-to-Image (Local)", text="a photo of a cat", settings=settings)
    outputs, ctx = run(parser_registry, "Text-to-Image (Local)", request)
    assert [o.execution_count for o in outputs] == [0, 1]
    for out in outputs:
        assert out.mime_type == "image/png" and out.metadata == {"nsfw_content_detected": None}
        assert Image.open(io.BytesIO(base64.b64decode(out.data.value))).size == (64, 64)
    assert [m for _, m in ctx.progress_reports if m.startswith("step ")][-1] == "step 3/3"
    again, _ = run(parser_registry, "Text-to-Image (Local)", request)
    assert again[0].data.value == outputs[0].data.value  # same seed, same image
    request = make_request("Text-to-Image (Local)", text="a photo of a cat", settings=settings, media_as_files=True,
                           notebook_dir=tmp_path, notebook_path=tmp_path / "art.aiconfig.json")
    files, _ = run(parser_registry, "Text-to-Image (Local)", request)
    assert files[0].data.kind == "file_uri" and (tmp_path / files[0].data.value).exists()
    assert files[0].data.value.startswith("art.media/")


def test_cancel_stops_diffusion_between_steps(parser_registry, tiny_diffusion):
    token = CancelToken()
    steps: list[str] = []

    def on_progress(fraction, message):
        if message.startswith("step ") and not message.startswith("step 0/"):
            steps.append(message)
            if len(steps) == 2:
                token.cancel()

    ctx = Recorder(token)
    ctx._on_progress = on_progress
    request = make_request("HuggingFaceText2ImageDiffusor", text="a cat",
                           settings={"model": tiny_diffusion, "num_inference_steps": 20})
    with pytest.raises(Cancelled):
        run(parser_registry, "HuggingFaceText2ImageDiffusor", request, ctx)
    assert len(steps) == 2  # stopped at the step after the cancel, not after all 20


# -- refusals and failures --------------------------------------------------------------------------------


def test_trust_remote_code_is_refused_unless_allowed(parser_registry, tiny_text_generation):
    request = make_request("Text Generation (Local)", settings={"model": tiny_text_generation,
                                                                "trust_remote_code": True, "max_new_tokens": 2})
    with pytest.raises(NotRunnable, match="trust_remote_code"):
        run(parser_registry, "Text Generation (Local)", request)
    request.options.allow_trust_remote_code = True
    outputs, _ = run(parser_registry, "Text Generation (Local)", request)
    assert isinstance(outputs[0].data, str)


def test_missing_default_model_offline_message(parser_registry, monkeypatch, tmp_path):
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    request = make_request("Summarization (Local)", settings={})  # no settings.model: the default model
    with pytest.raises(ParserError) as info:
        run(parser_registry, "Summarization (Local)", request)
    message = str(info.value)
    assert "cannot download model 'sshleifer/distilbart-cnn-12-6' here" in message
    assert "settings.model" in message


def test_text_to_image_needs_a_model(parser_registry):
    with pytest.raises(ParserError, match="set settings.model"):
        run(parser_registry, "Text-to-Image (Local)", make_request("Text-to-Image (Local)"))


def test_unknown_settings_are_warned_not_dropped_silently(parser_registry, tiny_seq2seq):
    request = make_request("Summarization (Local)", settings={"model": tiny_seq2seq, "max_new_tokens": 4,
                                                              "wibble": 1, "penality_alpha": 0.0})
    _, ctx = run(parser_registry, "Summarization (Local)", request)
    assert ctx.warnings == ["Summarization (Local) ignores setting wibble (not a setting of this task)"]


def test_local_runs_print_nothing(parser_registry, tiny_seq2seq, capfd, fresh_cache):
    """A TUI owns the terminal: loading and running must not write progress bars or logs to stdout/stderr."""
    request = make_request("Summarization (Local)", settings={"model": tiny_seq2seq, "max_new_tokens": 4})
    run(parser_registry, "Summarization (Local)", request)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
