"""A failed run in the app: the previous outputs stay on screen, the error is shown apart from them (under the
cell's header) until ``esc`` or a successful run, and ``z`` / ``Z`` take a successful run's outputs back and forth."""

from __future__ import annotations

from fixtures.ui_app import wait_for
from tui_notebook.document import Error
from tui_notebook.ui.outputs import TextOutput


def drawn(cell) -> list[str]:  # noqa: ANN001
    return [m.source for m in cell.query(TextOutput)]


def stored(app, index: int = 0) -> list:  # noqa: ANN001
    return [o.data for o in app.notebook.doc.prompts[index].outputs or []]


async def settled(pilot) -> None:  # noqa: ANN001
    """Wait until run results held back while keys were pressed are drawn (ui/input_priority.py)."""
    app = pilot.app
    await wait_for(pilot, lambda: not app.input_priority.pending
                   and not any(c.content_stale or c.stream_stale for c in app.view.cell_widgets()),
                   message="the screen caught up")


async def test_a_failed_run_keeps_the_outputs_on_screen_and_shows_the_error_apart(make_app, hf_server):
    url = hf_server.model_url("summarization")
    app = make_app((("sum", "a long text", "Summarization"),), outputs={"sum": "the caption from yesterday"})
    app.notebook.set_setting(0, "model", url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cell = app.view.current_cell()
        await wait_for(pilot, lambda: drawn(cell) == ["the caption from yesterday"], message="outputs drawn")
        hf_server.fail(500, message="internal trouble")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.runs.state(cell.prompt).status == "failed", timeout=20, message="failed")
        await wait_for(pilot, lambda: cell._failure.display, message="the error panel")
        await settled(pilot)
        panel = str(cell._failure.render())
        assert "Run failed" in panel and "500" in panel and "esc dismisses" in panel
        assert "last successful run" in panel
        assert cell._failure.has_class("cell-failure")  # its own style, not an output's
        assert stored(app) == ["the caption from yesterday"] and drawn(cell) == ["the caption from yesterday"]
        assert not any(isinstance(o, Error) for o in app.notebook.doc.prompts[0].outputs)
        assert "failed" in str(cell.header_text())

        await pilot.press("escape")
        await wait_for(pilot, lambda: not cell._failure.display, message="dismissed")
        assert "failed" not in str(cell.header_text())
        assert drawn(cell) == ["the caption from yesterday"]

        # fail again, then succeed: the success takes the error away and is one undo step
        hf_server.fail(500, message="internal trouble")
        await pilot.press("r")
        await wait_for(pilot, lambda: cell._failure.display, timeout=20, message="failed again")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.runs.state(cell.prompt).status == "finished", timeout=20,
                       message="finished")
        await settled(pilot)
        new = stored(app)
        assert new != ["the caption from yesterday"] and not cell._failure.display
        await wait_for(pilot, lambda: drawn(cell) == new, message="new outputs drawn")

        await pilot.press("z")
        await wait_for(pilot, lambda: drawn(cell) == ["the caption from yesterday"], message="undo drew the old")
        assert stored(app) == ["the caption from yesterday"]
        await pilot.press("Z")
        await wait_for(pilot, lambda: drawn(cell) == new, message="redo drew the new")
        assert stored(app) == new


async def test_a_cell_without_outputs_shows_the_error_and_stores_nothing(make_app, hf_server):
    app = make_app((("sum", "a long text", "Summarization"),))
    app.notebook.set_setting(0, "model", hf_server.model_url("summarization"))
    text, revision = app.notebook.to_string(), app.notebook.revision
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        hf_server.fail(500, message="internal trouble")
        await pilot.press("r")
        cell = app.view.current_cell()
        await wait_for(pilot, lambda: cell._failure.display, timeout=20, message="the error panel")
        panel = str(cell._failure.render())
        assert "500" in panel and "last successful run" not in panel
        assert app.notebook.to_string() == text and app.notebook.revision == revision


async def test_run_all_is_one_undo_step_per_cell(make_app):
    app = make_app((("a", "one", "test-echo"), ("b", "two", "test-echo")), outputs={"a": "old a", "b": "old b"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        await wait_for(pilot, lambda: stored(app, 0) == ["echo: one"] and stored(app, 1) == ["echo: two"]
                       and not app.runs.active_count(), message="run all finished")
        await pilot.press("z")
        await wait_for(pilot, lambda: stored(app, 1) == ["old b"], message="the last cell's run undone")
        assert stored(app, 0) == ["echo: one"]
        await pilot.press("z")
        await wait_for(pilot, lambda: stored(app, 0) == ["old a"], message="the first cell's run undone")
        await settled(pilot)
        cells = app.view.cell_widgets()
        await wait_for(pilot, lambda: drawn(cells[0]) == ["old a"] and drawn(cells[1]) == ["old b"],
                       message="both drawn as before")
        await pilot.press("Z", "Z")
        await wait_for(pilot, lambda: stored(app, 0) == ["echo: one"] and stored(app, 1) == ["echo: two"],
                       message="both redone")


async def test_the_dismiss_key_is_remappable_and_does_nothing_without_an_error(make_app):
    app = make_app((("p1", "x", "no-such-model"), ("p2", "y", "test-echo")), keymap={"dismiss-error": "D"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        cell = app.view.current_cell()
        await wait_for(pilot, lambda: cell._failure.display, message="the error panel")
        assert "D dismisses" in str(cell._failure.render())
        await pilot.press("j", "D")  # the other cell has no error: nothing happens to this one
        await pilot.pause()
        assert cell._failure.display
        await pilot.press("k", "D")
        await wait_for(pilot, lambda: not cell._failure.display, message="dismissed with the remapped key")


def test_the_error_panel_makes_terminal_controls_in_a_message_inert():
    from tui_notebook.ui.cell import failure_text

    hostile = Error(output_type="error", ename="E\x1b[2J", evalue="bad\x1b]52;c;aGk=\x07 answer\n" + "x\n" * 20,
                    traceback=[])
    shown = failure_text(hostile, True, "esc").plain
    assert "\x1b" not in shown and "\x07" not in shown
    assert shown.count("\n") <= 9  # a long message is cut, the hint line stays
    assert shown.rstrip().endswith("esc dismisses")
