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


def _models_notebook() -> Notebook:
    nb = Notebook.new(None)
    nb.doc.metadata.models = {"gpt-4": {"temperature": 0.2}, "Text Generation": {"max_new_tokens": 5}}
    nb.add_prompt(name="a", model="gpt-4", input="x")
    nb.add_prompt(name="b", model="Text Generation", input="y")
    nb.add_prompt(name="c", model="gpt-4", input="z")
    return nb


def test_global_model_settings_edit_metadata_models_in_place():
    nb = _models_notebook()
    revision = nb.revision
    nb.set_global_setting("gpt-4", "top_p", 0.9)
    nb.set_global_setting("gpt-4", "temperature", None)
    assert nb.doc.metadata.models["gpt-4"] == {"top_p": 0.9}
    assert nb.revision == revision + 2
    nb.set_global_setting("gpt-4", "top_p", 0.9)  # same value: no edit, not dirty again
    nb.set_global_setting("gpt-4", "absent", None)
    assert nb.revision == revision + 2
    nb.set_global_setting("gpt-4", "top_p", 1.0)
    nb.set_global_setting("gpt-4", "top_p", 1)  # 1 == 1.0 in Python, but the file must show what was typed
    assert type(nb.doc.metadata.models["gpt-4"]["top_p"]) is int
    # a cell's own settings still win over the global ones (SDK semantics)
    from tui_notebook.registry import model_settings

    nb.set_setting(0, "top_p", 0.5)
    assert model_settings(nb.doc.prompts[0], nb.doc) == {"top_p": 0.5}
    assert model_settings(nb.doc.prompts[2], nb.doc) == {"top_p": 1}


def test_global_models_add_delete_restore_and_default():
    nb = _models_notebook()
    nb.add_global_model("  Summarization ")
    assert list(nb.global_models()) == ["gpt-4", "Text Generation", "Summarization"]
    with pytest.raises(EditError):
        nb.add_global_model("gpt-4")
    with pytest.raises(EditError):
        nb.add_global_model("   ")
    removed = nb.delete_global_model("gpt-4")
    assert removed == {"temperature": 0.2} and "gpt-4" not in nb.doc.metadata.models
    assert nb.doc.prompts[0].metadata.model == "gpt-4"  # cells keep naming the model
    with pytest.raises(KeyError):
        nb.delete_global_model("gpt-4")
    nb.undo()  # back in its old place, with its settings
    assert nb.global_models()["gpt-4"] == {"temperature": 0.2}
    assert list(nb.global_models()) == ["gpt-4", "Text Generation", "Summarization"]
    assert nb.cells_using("gpt-4") == 2 and nb.cells_using("Summarization") == 0
    nb.set_default_model("Text Generation")
    nb.add_prompt(name="d", model=None, input="w")  # names no model: runs the default one
    assert nb.cells_using("Text Generation") == 2
    nb.set_default_model(None)
    assert nb.doc.metadata.default_model is None and nb.cells_using("Text Generation") == 1


def test_global_settings_on_a_file_without_models_round_trip(tmp_path):
    path = tmp_path / "n.aiconfig.json"
    nb = Notebook.new(path)
    nb.doc.metadata.models = None
    nb.set_global_setting("gpt-4", "temperature", 0.7)
    nb.set_default_model("gpt-4")
    nb.save()
    again = Notebook.load(path)
    assert again.doc.metadata.models == {"gpt-4": {"temperature": 0.7}}
    assert again.doc.metadata.default_model == "gpt-4"
    assert load_text(path.read_text()).doc.metadata.models == {"gpt-4": {"temperature": 0.7}}


def test_set_input_takes_text_or_an_object_and_refuses_bad_ones_without_changing_anything():
    nb = Notebook.new(None)
    nb.add_prompt(name="chat", model="gpt-4", input="hi")
    nb.set_input(0, {"role": "user", "content": "Say {{x}}"})
    assert nb.doc.prompts[0].input.model_dump(exclude_none=True) == {"role": "user", "content": "Say {{x}}"}
    revision = nb.revision
    nb.set_input(0, {"content": "Say {{x}}", "role": "user"})  # same object: no edit
    assert nb.revision == revision
    for bad, where in (({"attachments": [1]}, "input.attachments.0"), (["a"], "string or an object")):
        with pytest.raises(EditError, match=where.replace(".", r"\.")):
            nb.set_input(0, bad)
    assert nb.doc.prompts[0].input.model_dump(exclude_none=True) == {"role": "user", "content": "Say {{x}}"}
    nb.set_input(0, "plain again")
    assert nb.doc.prompts[0].input == "plain again"
    assert '"input": "plain again"' in nb.to_string()
