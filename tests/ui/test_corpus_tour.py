"""Every file of the shared corpus opens in the app and survives a fast tour of its panels and screens.

The loader tests open all 114 files; this drives the UI over them, where file text reaches markup, settings
forms and JSON views (a model name from a file once crashed the global settings screen). The tour is typed as
one burst, as a fast typist would, so it also runs the key gate and the sidebar's back-to-back rebuilds."""

from __future__ import annotations

import pytest
from corpus_locator import corpus_files

from tui_notebook.document import DocumentError
from tui_notebook.notebook import Notebook
from tui_notebook.ui.app import TuinbApp

from fixtures.ui_app import burst, wait_for

FILES = corpus_files()
TOUR = ["s", "escape", "j", "j", "alt+j", "escape", "M", "escape", "g", "escape", "end"]
"""Sidebar on the first cells (s puts the focus in it, escape gives it back to the cells; each cell gets its
settings form), outputs as JSON (escape closes them; with no outputs to show, it closes the sidebar), global
model settings, global parameters, then the last cell: where the tour ends, the focus back on the cells."""


@pytest.mark.slow  # ~1.3 s a file, 2.5 min in all
@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
async def test_corpus_file_tour(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        notebook = Notebook.open(path)
    except DocumentError as exc:
        assert path.name in str(exc)  # a file the loader refuses: the message names it (and says where)
        return
    app = TuinbApp(notebook, read_only=True)  # a tour must not write anything beside the corpus
    async with app.run_test(size=(100, 32)) as pilot:
        n = len(notebook.doc.prompts)
        await wait_for(pilot, lambda: len(app.view.cell_widgets()) == min(n, 30), message="cells built")
        gate = app.key_gate
        routed: list[str] = []
        route = gate.routed
        monkeypatch.setattr(gate, "routed", lambda event, target: (routed.append(event.key), route(event, target)))
        burst(app, TOUR)
        await wait_for(pilot, lambda: len(routed) == len(TOUR) and gate.in_flight is None and not gate.waiting,
                       timeout=20, message="the tour typed")
        await pilot.pause()
        assert app.return_code is None and app.is_running  # nothing raised
        assert len(app.screen_stack) == 1  # every screen the tour opened was closed
        assert app.view.current == max(n - 1, 0)
        assert app.focused is app.view  # every panel and screen gave the focus back to the cells
        assert not notebook.dirty
