"""The first frame does not wait for Markdown: text outputs are plain in it and Markdown right after."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from corpus_locator import corpus_dir
from fixtures.ui_app import open_notebook, wait_for, write_notebook
from rich.text import Text
from tui_notebook.ui.app import TuinbApp
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


SHAPES = {
    # many short cells; long inputs (capped by the estimate at 12 lines); long outputs of long lines (wrapped);
    # outputs of many short lines (Markdown would join them; the first frame draws them plain)
    "short": [(f"c{i}", f"prompt {i}", "test-echo", None) for i in range(25)],
    "long-inputs": [(f"c{i}", "\n".join(f"line {j} " + "x" * (i * 7 % 90) for j in range(i % 20)), "test-echo",
                     None) for i in range(12)],
    "long-lines": [(f"c{i}", "q", "test-echo", " ".join(["word"] * (40 + 37 * i))) for i in range(10)],
    "short-lines": [(f"c{i}", "q", "test-echo", "\n".join(f"- item {j}" for j in range(3 + 5 * i))) for i in range(8)],
}


def _first_frame_notebooks(tmp_path: Path) -> list[Path]:
    paths = [corpus_dir() / name for name in ("main__gradio-notebook__example.aiconfig.json",
                                        "main__python__src__aiconfig__editor__travel.aiconfig.json",
                                        "main__cookbooks__Groq__groq.aiconfig.json")]
    for shape, cells in SHAPES.items():
        path = write_notebook(tmp_path / f"{shape}.aiconfig.json", [c[:3] for c in cells],
                              outputs={c[0]: c[3] for c in cells if c[3] is not None})
        paths.append(path)
    return paths


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_cells_built_for_the_first_frame_fill_the_screen(tmp_path, monkeypatch, size):
    """The first frame builds only the cells its estimate says fill the screen; drawn as that frame draws them
    (text outputs plain), those cells must reach the bottom of the column, or the frame would show a gap."""
    monkeypatch.setattr("tui_notebook.ui.outputs.load_markdown", lambda app: None)  # stay as the first frame
    for path in _first_frame_notebooks(tmp_path):
        app = TuinbApp(open_notebook(path), defer_markdown=True)
        async with app.run_test(size=size) as pilot:
            view = app.view
            n = len(app.notebook.doc.prompts)
            await wait_for(pilot, lambda: len(view.cell_widgets()) == n, message=f"{path.name}: all cells built")
            await pilot.pause()
            built = view._first_screen(n)
            if built == n:
                continue
            cells = view.cell_widgets()
            bottom = cells[built - 1].virtual_region_with_margin.bottom
            assert bottom >= view.scrollable_content_region.height, (
                f"{path.name} at {size}: the first {built} of {n} cells end at row {bottom}, "
                f"the column shows {view.scrollable_content_region.height}")
