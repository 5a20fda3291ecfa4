"""Editing commands keep the notebook valid and the SDK format intact."""

from __future__ import annotations

import pytest

from tui_notebook import Notebook
from tui_notebook.document import load_text
from tui_notebook.document.models import ModelMetadata, PromptInput
from tui_notebook.notebook import EditError


def test_add_names_like_the_editor_and_refuses_duplicates():
    nb = Notebook.new(None)
    assert nb.add_prompt().name == "prompt_1"
    assert nb.add_prompt().name == "prompt_2"
    with pytest.raises(EditError):
        nb.add_prompt(name="prompt_1")
    with pytest.raises(EditError):
        nb.rename_prompt(1, "prompt_1")
    nb.rename_prompt(1, "second")
    assert nb.names() == ["prompt_1", "second"]


def test_attachment_tasks_get_an_attachment_input():
    nb = Notebook.new(None)
    p = nb.add_prompt(model="Automatic Speech Recognition")
    assert isinstance(p.input, PromptInput) and p.input.attachments == []
    nb.add_prompt(model="Text Generation", input="hi")
    nb.set_model(1, "Image-to-Text")
    assert isinstance(nb.doc.prompts[1].input, PromptInput) and nb.doc.prompts[1].input.data == "hi"


def test_switching_model_clears_settings_unless_kept():
    nb = Notebook.new(None)
    nb.add_prompt(model="Text Generation", input="x")
    nb.set_setting(0, "model", "gpt2")
    nb.set_setting(0, "max_new_tokens", 5)
    assert nb.doc.prompts[0].metadata.model == ModelMetadata(name="Text Generation",
                                                             settings={"model": "gpt2", "max_new_tokens": 5})
    nb.set_model(0, "Summarization", keep_settings=True)
    assert nb.doc.prompts[0].metadata.model.settings == {"model": "gpt2", "max_new_tokens": 5}
    nb.set_model(0, "Translation")
    assert nb.doc.prompts[0].metadata.model == "Translation"
    nb.set_setting(0, "src_lang", "en_XX")
    nb.set_setting(0, "src_lang", None)
    assert nb.doc.prompts[0].metadata.model.settings == {}


def test_move_insert_delete_and_parameters_keep_order():
    nb = Notebook.new(None)
    for text in "abc":
        nb.add_prompt(input=text)
    assert nb.move_prompt(0, 1) == 1
    assert [p.input for p in nb.doc.prompts] == ["b", "a", "c"]
    removed = nb.delete_prompt(0)
    nb.insert_prompt(2, removed)
    assert [p.input for p in nb.doc.prompts] == ["a", "c", "b"]
    pasted = nb.insert_prompt(0, nb.doc.prompts[0])
    assert pasted.name != nb.doc.prompts[1].name
    nb.set_parameter("one", "1")
    nb.set_parameter("two", "2")
    nb.rename_parameter("one", "uno")
    assert list(nb.doc.metadata.parameters) == ["uno", "two"]
    nb.set_parameter("loc", "L", prompt=0)
    nb.delete_parameter("loc", prompt=0)
    with pytest.raises(KeyError):
        nb.delete_parameter("missing")
    reloaded = load_text(nb.to_string()).doc
    assert reloaded.metadata.parameters == {"uno": "1", "two": "2"}
