"""Empty references are visible in the cell, and running such a cell asks first (Textual pilot)."""

from __future__ import annotations

from fixtures.ui_app import notifications, wait_for

from tui_notebook.config import Config
from tui_notebook.document import Error
from tui_notebook.ui.dialogs import ConfirmScreen
from tui_notebook.ui.template_highlight import EMPTY_REFERENCE_STYLE, TEMPLATE_STYLE, highlight_templates

CELLS = (("first", "alpha", "test-echo"),
         ("mid", "{{who}} {{nope}} {{story.output}} {{first.output}}", "test-echo"),
         ("story", "x", "test-echo"))


def outputs(app, index: int) -> list[str]:  # noqa: ANN001
    return [o.data for o in app.notebook.doc.prompts[index].outputs or [] if not isinstance(o, Error)]


def styles_of(text, word: str) -> set[str]:  # noqa: ANN001
    start = text.plain.index(word)
    return {str(span.style) for span in text.spans if span.start <= start < span.end}


def test_empty_references_are_highlighted_apart_from_valid_ones():
    text = highlight_templates("{{who}} {{nope}}", empty={"nope"})
    assert styles_of(text, "who") == {TEMPLATE_STYLE}
    assert styles_of(text, "nope") == {EMPTY_REFERENCE_STYLE}


async def test_cell_names_each_empty_reference_under_the_prompt(make_app):
    app = make_app(CELLS, parameters={"who": "me"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        mid = app.view.cell_widgets()[1]
        await wait_for(pilot, lambda: bool(mid.reference_lines), message="warnings under the prompt")
        assert mid.reference_lines == ("{{nope}}: no such parameter",
                                       "{{story.output}}: cell 'story' is below this one",
                                       "{{first.output}}: cell 'first' has no output yet")
        assert mid._refs.display and "no such parameter" in str(mid._refs.render())
        assert mid._empty_refs == {"nope", "story.output", "first.output"}
        assert not app.view.cell_widgets()[0]._refs.display  # a cell without references shows nothing
        # Running the first cell gives it an output: that warning goes, the others stay.
        await pilot.press("r")
        await wait_for(pilot, lambda: len(mid.reference_lines) == 2, message="the no-output warning gone")
        assert "first.output" not in mid._empty_refs


async def test_running_a_cell_with_empty_references_asks_once(make_app):
    app = make_app(CELLS, parameters={"who": "me"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j", "r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), message="the question")
        assert app.screen.dialog_title == "Send with 3 empty references?"
        assert "{{nope}}: no such parameter" in str(app.screen.message)
        await pilot.press("n")
        await pilot.pause()
        assert outputs(app, 1) == []  # nothing sent
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), message="asked again after a no")
        await pilot.press("y")
        await wait_for(pilot, lambda: outputs(app, 1) == ["echo: me   "], message="sent after yes")
        await pilot.press("r")  # same problems, already accepted: no question
        await wait_for(pilot, lambda: app.runs.state(app.notebook.doc.prompts[1]).status == "finished"
                       and not isinstance(app.screen, ConfirmScreen), message="ran again without asking")
        assert not isinstance(app.screen, ConfirmScreen)


async def test_a_cell_whose_template_cannot_render_fails_without_the_question(make_app):
    """Answering yes could only lead to the template error: no question, the error is shown at once."""
    cells = (("my idea", "x", "test-echo"), ("use", "{{my idea.output}} {{ghost}}", "test-echo"))
    app = make_app(cells)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j", "r")
        use = app.notebook.doc.prompts[1]
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) or app.runs.state(use).status == "failed",
                       message="the question or the failure")
        assert not isinstance(app.screen, ConfirmScreen)
        failure = app.runs.state(use).failure.evalue
        assert outputs(app, 1) == []
        # the wording of the warning line, not pybars' "Could not find property my"
        assert failure == ("cannot resolve the prompt: {{my idea.output}}: the cell name 'my idea' cannot be used in "
                           "a template; rename the cell (e.g. 'my_idea')"), failure
        assert "PybarsError" not in failure and "prompt 'use'" not in failure


async def test_run_with_dependencies_does_not_ask_about_outputs_it_makes(make_app):
    cells = (("first", "alpha", "test-echo"), ("second", "got {{first.output}}", "test-echo"))
    app = make_app(cells)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j", "R")
        await wait_for(pilot, lambda: bool(outputs(app, 1)), message="second ran")
        assert outputs(app, 1) == ["echo: got echo: alpha"]


async def test_config_can_turn_the_question_off(make_app):
    app = make_app(CELLS, parameters={"who": "me"}, config=Config(confirm_empty_references=False))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j", "r")
        await wait_for(pilot, lambda: bool(outputs(app, 1)), message="sent without asking")
        assert not isinstance(app.screen, ConfirmScreen)


async def test_a_cell_without_a_model_says_which_key_chooses_one(make_app):
    app = make_app((("bare", "hello", None),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cell = app.view.current_cell()
        assert "no model — press m to choose a model" in str(cell.header_text())
        await pilot.press("r")
        await wait_for(pilot, lambda: any("press m to choose a model" in n for n in notifications(app)),
                       message="the hint on run")
        assert "bare has no model: press m to choose a model." in notifications(app)
        assert app.runs.state(cell.prompt).status != "failed" and not cell.prompt.outputs


async def test_the_model_hint_follows_the_keymap(make_app):
    app = make_app((("bare", "hello", None),), keymap={"change-model": "f9"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "press f9 to choose a model" in str(app.view.current_cell().header_text())


async def test_the_editor_highlights_empty_references_as_they_are_typed(make_app):
    app = make_app((("ask", "hi {{who}}", "test-echo"),), parameters={"who": "me"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        cell = app.view.current_cell()
        await wait_for(pilot, lambda: cell._editor is not None, message="edit mode")
        await pilot.press(*" {{nope}}")
        await wait_for(pilot, lambda: cell.reference_lines == ("{{nope}}: no such parameter",),
                       message="the warning while editing")
        editor = cell._editor
        names = {name for row in editor._highlights.values() for _, _, name in row}
        assert {"template", "template-empty"} <= names
        assert cell._refs.display  # the warning line shows under the editor


async def test_typing_does_not_recheck_references_on_every_key(make_app, monkeypatch):
    import tui_notebook.ui.notebook_view as view_module

    calls: list[int] = []
    real = view_module.check_cells

    def counted(nb, prompts):  # noqa: ANN001, ANN202
        calls.append(len(prompts))
        return real(nb, prompts)

    monkeypatch.setattr(view_module, "check_cells", counted)
    cells = [("ask", "hi {{nope}}", "test-echo")] + [(f"c{i}", f"cell {i}", "test-echo") for i in range(10)]
    app = make_app(cells)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        ask = app.view.cell_widgets()[0]
        await wait_for(pilot, lambda: bool(ask.reference_lines), message="the first check")
        calls.clear()
        await pilot.press("j", "enter")
        await pilot.press(*"typing in another cell")
        await pilot.press("escape")
        await wait_for(pilot, lambda: bool(calls), message="a check once the keys stopped")
        for _ in range(10):
            await pilot.pause(0.1)
        assert len(calls) <= 2, calls  # once after the typing, not once per key
        assert calls[0] == 1  # only the cell with a tag is checked


async def test_a_tag_never_closed_shows_a_warning_under_the_prompt_and_asks_before_sending(make_app):
    app = make_app((("open", "x {{ unclosed", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cell = app.view.cell_widgets()[0]
        await wait_for(pilot, lambda: bool(cell.reference_lines), message="the warning under the prompt")
        assert cell.reference_lines == (
            "{{ unclosed: this tag is never closed; the SDK drops the rest of the prompt",)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), message="the question")
        assert app.screen.dialog_title == "Send with 1 template problem?"
        assert "never closed" in str(app.screen.message)


async def test_the_question_focuses_no_so_a_stray_enter_sends_nothing(make_app):
    app = make_app(CELLS, parameters={"who": "me"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j", "r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), message="the question")
        assert "No" in str(app.screen.focused.label)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), message="answered")
        assert outputs(app, 1) == []  # nothing sent
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), message="asked again")
        await pilot.press("y")  # y still answers yes at once
        await wait_for(pilot, lambda: outputs(app, 1) == ["echo: me   "], message="sent after y")
