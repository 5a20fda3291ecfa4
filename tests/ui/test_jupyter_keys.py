"""JupyterLab's run keys, on by default: shift+enter runs and moves on (a new cell at the end), ctrl+enter runs
in place, alt+enter runs and inserts a cell below; in command mode and in edit mode."""

from __future__ import annotations

from fixtures.ui_app import wait_for

from tui_notebook.ui.help_screen import help_text

CELLS = (("p1", "one", "test-echo"), ("p2", "two", "test-echo"))


def outputs(app) -> list[str | None]:  # noqa: ANN001
    return [str(p.outputs[0].data) if p.outputs else None for p in app.notebook.doc.prompts]


def editing(app) -> bool:  # noqa: ANN001
    cell = app.view.current_cell()
    return cell is not None and cell.editing and app.focused is cell._editor


async def test_shift_enter_runs_and_moves_on_then_adds_a_cell_at_the_end(make_app) -> None:
    app = make_app(CELLS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("shift+enter")
        await wait_for(pilot, lambda: outputs(app)[0] == "echo: one", message="p1 ran")
        assert app.view.current == 1 and not editing(app)
        await pilot.press("shift+enter")  # the last cell: run it, then a new cell to type in
        await wait_for(pilot, lambda: outputs(app)[1] == "echo: two", message="p2 ran")
        await wait_for(pilot, lambda: editing(app), message="a new cell in edit mode")
        assert len(app.notebook.doc.prompts) == 3 and app.view.current == 2
        assert app.notebook.doc.prompts[2].metadata.model == "test-echo"  # the model of the cell above


async def test_ctrl_enter_runs_in_place_and_alt_enter_inserts_below(make_app) -> None:
    app = make_app(CELLS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+enter")
        await wait_for(pilot, lambda: outputs(app)[0] == "echo: one", message="p1 ran")
        assert app.view.current == 0 and len(app.notebook.doc.prompts) == 2 and not editing(app)
        await pilot.press("alt+enter")
        await wait_for(pilot, lambda: editing(app), message="a new cell below in edit mode")
        assert [p.name for p in app.notebook.doc.prompts][0] == "p1" and app.view.current == 1
        assert len(app.notebook.doc.prompts) == 3 and app.notebook.doc.prompts[2].name == "p2"


async def test_the_same_keys_in_edit_mode_run_what_was_typed(make_app) -> None:
    app = make_app(CELLS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter", "end", "!", "shift+enter")
        await wait_for(pilot, lambda: outputs(app)[0] == "echo: one!", message="p1 ran with the typed text")
        assert app.view.current == 1 and app.focused is app.view  # command mode, on the next cell
        await pilot.press("enter", "?", "ctrl+enter")
        await wait_for(pilot, lambda: outputs(app)[1] == "echo: two?", message="p2 ran in place")
        assert app.view.current == 1 and app.focused is app.view
        await pilot.press("enter", "alt+enter")
        await wait_for(pilot, lambda: editing(app) and app.view.current == 2, message="new cell, edit mode")
        await pilot.press(*"hi", "shift+enter")
        await wait_for(pilot, lambda: len(outputs(app)) == 4 and outputs(app)[2] == "echo: hi",
                       message="the new cell ran and one more was added")


async def test_read_only_notebooks_do_not_run_from_jupyter_keys(make_app) -> None:
    app = make_app(CELLS, read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("shift+enter", "alt+enter", "ctrl+enter")
        await pilot.pause()
        assert outputs(app) == [None, None] and len(app.notebook.doc.prompts) == 2


def test_help_has_a_coming_from_jupyter_table() -> None:
    text = help_text({}).plain
    assert "Coming from Jupyter" in text
    section = text[text.index("Coming from Jupyter"):]
    for jupyter, tuinb in (("Shift-Enter", "shift+⏎"), ("Ctrl-Enter", "^⏎"), ("Esc", "esc"), ("D, D", "d d"),
                           ("Z", "z"), ("A / B", "a / b")):
        assert jupyter in section and tuinb in section
    assert "extended-keys" in section  # how to get modified enter keys through tmux
