"""A local model's position limit: a generation that would run past it is shortened (with a warning naming the
limit), a prompt that does not fit is refused with a message, and the demo's tasks have safe settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.parser_run import Recorder, make_request
from tui_notebook.parser_api import ParserError

pytestmark = pytest.mark.slow

TASK = "Text Generation (Local)"


def run(registry, name, request):  # noqa: ANN001
    ctx = Recorder()
    return registry.get(name).run(request, ctx), ctx


def test_generation_past_the_position_limit_is_shortened(parser_registry, tiny_text_generation):
    # The tiny GPT-2 has 128 positions; 200 new tokens used to fail with "IndexError: index out of range in self".
    request = make_request(TASK, text="Hello world " * 5, stream=False, settings={
        "model": tiny_text_generation, "max_new_tokens": 200, "min_new_tokens": 200, "do_sample": False,
        "return_full_text": False})
    outputs, ctx = run(parser_registry, TASK, request)
    assert isinstance(outputs[0].data, str) and outputs[0].data
    assert any("max_new_tokens lowered from 200" in w and "at most 128 tokens" in w for w in ctx.warnings)


def test_pipeline_default_length_fits_a_small_model(parser_registry, tiny_text_generation):
    """A new cell with no max_new_tokens: the pipeline's own default (256) is more than the model holds."""
    request = make_request(TASK, text="Hello world", stream=False,
                           settings={"model": tiny_text_generation, "do_sample": False})
    outputs, ctx = run(parser_registry, TASK, request)
    assert outputs[0].data.startswith("Hello world")
    assert any("at most 128 tokens" in w for w in ctx.warnings)


def test_prompt_longer_than_the_limit_is_refused_with_the_limit(parser_registry, tiny_text_generation):
    request = make_request(TASK, text="Hello world " * 100, stream=False,
                           settings={"model": tiny_text_generation, "max_new_tokens": 4})
    with pytest.raises(ParserError, match=r"reads at most 128 \(its position limit\)"):
        run(parser_registry, TASK, request)


def test_seq2seq_decoder_length_is_kept_within_its_positions(parser_registry, tiny_seq2seq):
    request = make_request("Summarization (Local)", text="The quick brown fox.", stream=False,
                           settings={"model": tiny_seq2seq, "max_new_tokens": 300, "min_new_tokens": 300})
    outputs, ctx = run(parser_registry, "Summarization (Local)", request)
    assert isinstance(outputs[0].data, str)
    assert any("max_new_tokens lowered from 300 to 127" in w for w in ctx.warnings)


def test_a_new_demo_cell_gets_settings_its_tiny_model_holds(tmp_path):
    from tui_notebook.demo import demo_document
    from tui_notebook.document.models import AIConfig
    from tui_notebook.notebook import Notebook
    from tui_notebook.registry import model_settings

    dirs = {name: Path(tmp_path / name) for name in ("tiny-gpt2", "tiny-bart", "tiny-sd", "tiny-blip",
                                                     "tiny-vits", "tiny-wav2vec2")}
    doc = AIConfig.model_validate(demo_document(dirs))
    nb = Notebook(doc)
    for task in ("Text Generation (Local)", "Summarization (Local)", "Translation (Local)",
                 "Image-to-Text (Local)"):
        prompt = nb.add_prompt(model=task)
        settings = model_settings(prompt, nb.doc)
        assert str(tmp_path) in settings["model"], task
        assert 0 < settings["max_new_tokens"] <= 32, task
