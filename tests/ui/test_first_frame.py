"""The first frame does not wait for Markdown: text outputs are plain in it and Markdown right after."""

from __future__ import annotations

import sys

from fixtures.ui_app import wait_for
from rich.text import Text
from tui_notebook.ui.outputs import TextOutput


async def test_text_outputs_are_plain_in_the_first_frame_then_markdown(make_app, monkeypatch):
    monkeypatch.delitem(sys.modules, "rich.markdown", raising=False)  # as in a fresh `tuinb` process
    drawn: list[type] = []
    original = TextOutput.render
    monkeypatch.setattr(TextOutput, "render", lambda self: drawn.append(type(r := original(self))) or r)
    app = make_app((("p1", "hello", "test-echo"),), outputs={"p1": "# Title\n\nsome *text*"}, defer_markdown=True)
    async with app.run_test(size=(80, 24)) as pilot:
        output = app.view.cell_widgets()[0].query_one(TextOutput)
        await wait_for(pilot, lambda: output._markdown is not None, message="Markdown after the first frame")
        await pilot.pause()
        assert drawn[0] is Text  # the first frame: plain text, no markdown-it import
        assert type(output._markdown).__name__ == "Markdown" and "rich.markdown" in sys.modules
        assert drawn[-1] is type(output._markdown)  # redrawn as Markdown
        assert not app.defer_markdown


async def test_without_deferral_the_first_frame_has_markdown(make_app):
    app = make_app((("p1", "hello", "test-echo"),), outputs={"p1": "# Title"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        output = app.view.cell_widgets()[0].query_one(TextOutput)
        assert type(output._markdown).__name__ == "Markdown"


async def test_outputs_under_a_dialog_are_redrawn_with_markdown_too(make_app):
    """Markdown may arrive while a dialog (the recovery offer, a trust question) covers the notebook."""
    from tui_notebook.ui.dialogs import ConfirmScreen
    from tui_notebook.ui.outputs import load_markdown

    app = make_app((("p1", "hello", "test-echo"),), outputs={"p1": "# Title"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        output = app.view.cell_widgets()[0].query_one(TextOutput)
        output._markdown = None  # as drawn in a first frame without Markdown
        app.defer_markdown = True
        app.push_screen(ConfirmScreen("A question", "covering the notebook"))
        await pilot.pause()
        redrawn = []
        original = output.refresh
        output.refresh = lambda *a, **k: redrawn.append(k.get("layout")) or original(*a, **k)
        load_markdown(app)
        assert redrawn == [True] and not app.defer_markdown


async def test_a_sync_queued_before_quitting_does_nothing_once_the_view_is_gone(make_app):
    """Quitting right after start: the first frame's follow-up sync (the rest of the first screen) can run after
    the view has been taken off the screen; it must not try to mount into it (a MountError traceback on exit)."""
    app = make_app((("p1", "hello", "test-echo"), ("p2", "again", "test-echo")))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.view
        assert len(view.cell_widgets()) == 2
    assert not view.is_attached
    view._sync_content = True
    await view._sync()  # raised MountError before the guard
    assert not view.children and not view._sync_pending


async def test_a_sync_running_when_the_app_quits_stops_mounting(make_app):
    """The quit can also come while a sync waits for stale cells to be removed: the mounts after it stop."""
    app = make_app((("p1", "hello", "test-echo"), ("p2", "again", "test-echo")))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.view
        remove_children = view.remove_children

        async def remove_then_leave(widgets):  # noqa: ANN001, ANN202
            await remove_children(widgets)
            app.exit()  # the user quits while the column is rebuilt

        view.remove_children = remove_then_leave
        app.notebook.delete_prompt(0)
        app.notebook.add_prompt(name="p3", model="test-echo")
        await view.sync_now()  # raised MountError without the checks
        assert not view.is_attached
