"""Snapshots of the keyboard-first screens: the sidebar with the focus in its first field, a dialog with its own
footer, and an 80x24 terminal (footer essentials, one-line description, current-cell glyph)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.ui_app import open_notebook, write_notebook
from panel_kit import make_notebook, no_cursor_blink  # noqa: F401

from tui_notebook.ui.app import TuinbApp
from tui_notebook.ui.params_panel import GlobalParamsScreen


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def _until(pilot, predicate) -> None:  # noqa: ANN001
    """Wait for ``predicate`` and for the check of empty references (its warnings under the prompts come once
    the keys have been quiet a moment), so the picture does not depend on timing."""
    def settled() -> bool:
        return predicate() and any(cell.reference_lines for cell in pilot.app.view.cell_widgets())

    for _ in range(200):
        if settled():
            break
        await pilot.pause(0.02)
    assert settled()
    await pilot.pause()


def test_sidebar_with_the_focus_in_its_first_field(snap_compare, in_tmp):
    app = TuinbApp(make_notebook(Path("panels.aiconfig.json")))

    async def open_sidebar(pilot) -> None:  # noqa: ANN001
        await pilot.press("s")
        await _until(pilot, lambda: app.focused is not None and app.sidebar in app.focused.ancestors)

    assert snap_compare(app, terminal_size=(110, 30), run_before=open_sidebar)


def test_a_dialog_shows_its_own_keys_in_the_footer(snap_compare, in_tmp):
    app = TuinbApp(make_notebook(Path("panels.aiconfig.json")))

    async def open_parameters(pilot) -> None:  # noqa: ANN001
        await pilot.press("g")
        await _until(pilot, lambda: isinstance(app.screen, GlobalParamsScreen) and app.focused is not None
                     and app.screen in app.focused.ancestors)

    assert snap_compare(app, terminal_size=(100, 24), run_before=open_parameters)


def test_80x24_layout(snap_compare, in_tmp):
    path = write_notebook(Path("small.aiconfig.json"), [
        ("story", "Write a four-sentence story about a {{color}} {{animal}}.", "test-echo"),
        ("title", "Give this story a short title: {{story.output}}", "test-echo"),
        ("summary", "{{story.output}}", "test-echo"),
    ], parameters={"color": "red", "animal": "fox"})
    nb = open_notebook(Path(path.name))
    nb.doc.description = ("A small chain: a story from two global parameters, a title from the story, and a "
                          "summary. Cells reference earlier cells with {{cell.output}}.")
    nb.saved_revision = nb.revision
    async def next_cell(pilot) -> None:  # noqa: ANN001
        await pilot.press("j")
        await _until(pilot, lambda: pilot.app.view.current == 1)

    assert snap_compare(TuinbApp(nb), terminal_size=(80, 24), run_before=next_cell)
