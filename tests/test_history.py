"""Undo / redo (``tui_notebook.history``): every edit goes back and forth to exactly the file it was."""

from __future__ import annotations

import random

import pytest

from corpus_locator import corpus_dir
from tui_notebook import Notebook
from tui_notebook.notebook import EditError
from tui_notebook.parser_api import text_output

TRAVEL = "main__cookbooks__Getting-Started__travel.aiconfig.json"


def travel() -> Notebook:
    return Notebook.load(corpus_dir() / TRAVEL)


EDITS = [
    ("add a cell", lambda nb, r: nb.add_prompt(r.randrange(len(nb.doc.prompts) + 1), model="gpt-4", input="new")),
    ("delete a cell", lambda nb, r: nb.delete_prompt(r.randrange(len(nb.doc.prompts))) if len(nb.doc.prompts) > 1
     else None),
    ("move a cell", lambda nb, r: nb.move_prompt(r.randrange(len(nb.doc.prompts)), r.choice((-1, 1)))),
    ("paste a copy", lambda nb, r: nb.insert_prompt(0, nb.doc.prompts[-1])),
    ("rename", lambda nb, r: nb.rename_prompt(0, f"renamed_{r.randrange(10**6)}")),
    ("type", lambda nb, r: nb.set_input_text(r.randrange(len(nb.doc.prompts)), f"text {r.random()}")),
    ("input json", lambda nb, r: nb.set_input(0, {"role": "user", "content": f"hi {r.random()}"})),
    ("model", lambda nb, r: nb.set_model(r.randrange(len(nb.doc.prompts)), r.choice(["gpt-4", "Text Generation"]))),
    ("setting", lambda nb, r: nb.set_setting(0, r.choice(["temperature", "top_p"]), r.choice([0.1, 0.5, None]))),
    ("global setting", lambda nb, r: nb.set_global_setting(r.choice(["gpt-4", "new-model"]), "temperature",
                                                            r.choice([0.2, 0.9, None]))),
    ("global model", lambda nb, r: nb.delete_global_model("gpt-4") if "gpt-4" in nb.global_models()
     else nb.add_global_model("gpt-4")),
    ("default", lambda nb, r: nb.set_default_model(r.choice(["gpt-4", None]))),
    ("parameter", lambda nb, r: nb.set_parameter(r.choice(["order_by", "city"]), f"v{r.randrange(9)}")),
    ("local parameter", lambda nb, r: nb.set_parameter("x", r.random(), prompt=0)),
    ("rename parameter", lambda nb, r: nb.rename_parameter("order_by", "order") if "order_by" in
     (nb.doc.metadata.parameters or {}) else None),
    ("name", lambda nb, r: nb.set_name(f"Trip {r.randrange(100)}")),
    ("description", lambda nb, r: nb.set_description(f"about {r.random()}")),
    ("clear outputs", lambda nb, r: nb.clear_outputs()),
]


@pytest.mark.parametrize("seed", range(12))
def test_random_edits_undo_and_redo_to_the_exact_texts(seed: int) -> None:
    rng = random.Random(seed)
    nb = travel()
    for prompt in nb.doc.prompts:  # outputs to clear
        prompt.outputs = [text_output(f"answer of {prompt.name}")]
    texts = [nb.to_string()]
    for _ in range(40):
        name, edit = rng.choice(EDITS)
        steps_before = len(nb.history.undo_steps)
        try:
            edit(nb, rng)
        except EditError:  # refused (a name taken...): nothing changed, nothing to undo
            assert len(nb.history.undo_steps) == steps_before and nb.to_string() == texts[-1]
        if nb.to_string() != texts[-1]:
            texts.append(nb.to_string())
    steps = 0
    while nb.undo() is not None:
        steps += 1
        assert nb.to_string() in texts  # merged typing may skip states, never invent one
    assert nb.to_string() == texts[0]
    for _ in range(steps):
        assert nb.redo() is not None
    assert nb.to_string() == texts[-1]
    assert nb.redo() is None


def test_cells_keep_their_identity_and_runs_outputs_survive_an_undo() -> None:
    nb = travel()
    first = nb.doc.prompts[0]
    before = list(first.outputs or [])
    nb.set_input_text(0, "changed")
    nb.replace_outputs(first, [text_output("from a run after the edit")])
    step = nb.undo()  # the run is a step of its own: its outputs go, the edit stays
    assert step.label == "run 'get_activities'" and step.focus is first
    assert nb.doc.prompts[0] is first and first.input == "changed" and first.outputs == before
    nb.redo()
    assert first.outputs[0].data == "from a run after the edit"
    nb.set_setting(0, "temperature", 0.5)
    step = nb.undo()  # undoing an edit made after the run keeps the run's outputs
    assert step.label == "set temperature of 'get_activities'"
    assert first.outputs[0].data == "from a run after the edit"
    nb.clear_outputs()
    assert first.outputs == []
    nb.undo()
    assert first.outputs[0].data == "from a run after the edit"  # clearing was an edit: taken back


def test_typing_is_one_step_until_something_else_happens() -> None:
    nb = travel()
    for text in ("T", "Te", "Tel", "Tell"):
        nb.set_input_text(0, text)
    nb.set_setting(0, "temperature", 0.1)
    nb.set_setting(0, "temperature", 0.15)  # typing "0.15" writes 0.1, then 0.15
    assert [s.label for s in nb.history.undo_steps] == ["edit the input of 'get_activities'",
                                                        "set temperature of 'get_activities'"]
    nb.undo()
    nb.set_setting(0, "temperature", 0.3)  # after an undo, a new step, not merged into the one before
    assert len(nb.history.undo_steps) == 2
    nb.undo()
    nb.undo()
    assert nb.doc.prompts[0].input == "Tell me 10 fun attractions to do in NYC."


def test_a_new_edit_drops_the_redo_steps_and_reload_drops_everything(tmp_path) -> None:
    path = tmp_path / "t.aiconfig.json"
    path.write_text((corpus_dir() / TRAVEL).read_text())
    nb = Notebook.load(path)
    nb.delete_prompt(0)
    nb.undo()
    assert nb.history.redo_steps
    nb.set_name("Other")
    assert not nb.history.redo_steps and nb.redo() is None
    nb.reload()
    assert nb.undo() is None and nb.doc.name == "NYC Trip Planner"


def test_no_op_edits_are_not_steps() -> None:
    nb = travel()
    nb.set_input_text(0, nb.doc.prompts[0].input)
    nb.set_name(nb.doc.name)
    nb.set_parameter("order_by", nb.doc.metadata.parameters.get("order_by")) if "order_by" in (
        nb.doc.metadata.parameters or {}) else None
    nb.clear_outputs()  # nothing to clear
    nb.move_prompt(0, -1)  # already first
    nb.set_global_setting("gpt-4", "absent", None)
    assert nb.history.undo_steps == []


def test_history_keeps_a_bounded_number_of_steps() -> None:
    nb = travel()
    nb.history.limit = 5
    for i in range(12):
        nb.set_name(f"n{i}")
        nb.set_description(f"d{i}")
    assert len(nb.history.undo_steps) == 5


def saved_copy(tmp_path) -> Notebook:  # noqa: ANN001
    path = tmp_path / "t.aiconfig.json"
    path.write_text((corpus_dir() / TRAVEL).read_text())
    return Notebook.load(path)


def test_undoing_back_to_the_loaded_or_saved_state_is_not_unsaved(tmp_path) -> None:
    nb = saved_copy(tmp_path)
    nb.set_name("Other")
    nb.delete_prompt(0)
    assert nb.dirty
    nb.undo()
    assert nb.dirty  # still renamed
    nb.undo()
    assert not nb.dirty  # the file's state again
    nb.redo()
    assert nb.dirty
    nb.save()
    nb.set_input_text(0, "typed after the save")  # a step of its own: undo comes back to the saved text
    nb.set_input_text(0, "typed after the save, more")
    assert nb.dirty
    nb.undo()
    assert not nb.dirty and nb.doc.name == "Other"
    nb.undo()  # back before the save
    assert nb.dirty


def test_the_saved_state_dropped_from_the_history_stays_unsaved(tmp_path) -> None:
    nb = saved_copy(tmp_path)
    nb.set_name("A")
    nb.save()
    nb.undo()
    nb.set_name("B")  # the saved "A" is no longer reachable by redo
    nb.undo()
    assert nb.dirty and nb.doc.name == "NYC Trip Planner"
    bounded = saved_copy(tmp_path)
    bounded.history.limit = 3
    for i in range(3):
        bounded.set_name(f"n{i}")
        bounded.set_description(f"d{i}")  # renames would merge into one step; alternating they do not
    while bounded.undo() is not None:
        pass
    assert bounded.dirty  # the loaded state is older than the steps kept


def test_restoring_a_recovery_file_stays_unsaved_through_undo(tmp_path) -> None:
    from tui_notebook.recovery import RecoveryInfo, restore

    nb = saved_copy(tmp_path)
    recovered = tmp_path / "recovered.aiconfig.json"
    other = travel()
    other.set_name("Recovered")
    other.save(recovered)
    restore(nb, RecoveryInfo(recovered, nb.path, 0.0, len(nb.doc.prompts)))
    nb.set_description("then an edit")
    nb.undo()
    assert nb.dirty and nb.doc.name == "Recovered"
