"""Modules the first answer and the first edit need are imported in a thread once the app has settled, not on
the UI thread in the middle of a run."""

from __future__ import annotations

import subprocess
import sys
import threading

from fixtures.ui_app import wait_for


def test_preloading_imports_markdown_and_the_editor():
    code = (
        "import sys\n"
        "from tui_notebook.ui.app import _preload_modules\n"
        "assert 'rich.markdown' not in sys.modules and 'textual.widgets._text_area' not in sys.modules\n"
        "_preload_modules()\n"
        "assert 'rich.markdown' in sys.modules and 'textual.widgets._text_area' in sys.modules\n"
        "assert 'markdown_it' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


async def test_the_app_starts_preloading_once_settled(make_app, monkeypatch):
    from tui_notebook.ui import app as app_module

    calls: list[tuple[str, int]] = []
    app = make_app()
    # When it starts: in its thread, and with the notebook's cells already built (not before the first frame; a
    # check of the order, not of the clock, which a busy machine stretches)
    monkeypatch.setattr(app_module, "_preload_modules",
                        lambda: calls.append((threading.current_thread().name, len(app.view.cell_widgets()))))
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: bool(calls), timeout=10, message="preloading started")
        await pilot.pause(0.2)
        assert calls == [("tuinb-preload", 1)]  # once, in its thread, after the first cell was on screen
