"""Random bursts of command-mode keys, typed faster than the app handles them, never stop the app.

Each burst goes into the app's queue in one go (as a paste or a fast typist over SSH delivers keys), a few
event-loop turns apart: editors and dialogs open and close, cells are added, cut, moved, renamed, run (on the
echo parser) and undone in between. It looks for races like the sidebar's (rebuilding tabs Textual was still
mounting; fixed, with its own test in test_panels.py). At the end the document still serialises in the SDK
format and loads back with the same cells, and no rename made a duplicate name."""

from __future__ import annotations

import random

import pytest

from tui_notebook.document import dumps
from tui_notebook.document.loader import load_text

from fixtures.ui_app import burst, wait_for

CELLS = (("p1", "one", "test-echo"), ("p2", "two {{x}}", "test-echo"), ("p3", "three", None))
KEYS = ["j", "k", "enter", "escape", "a", "b", "x", "c", "v", "n", "s", "g", "m", "M", "H", "J", "alt+j", "z",
        "Z", "r", "R", "A", "O", "y", "question_mark", "tab", "up", "down", "home", "end", "alt+up", "alt+down",
        "d", "i", "h", "e", "l", "o", "1", "space", "backspace", "E", "N"]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_key_bursts_never_stop_the_app(make_app, tmp_path, monkeypatch, seed):
    monkeypatch.chdir(tmp_path)  # nothing a key does may write outside tmp_path
    rnd = random.Random(seed)
    app = make_app(CELLS)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        for round_ in range(25):
            keys = [rnd.choice(KEYS) for _ in range(rnd.randint(1, 12))]
            burst(app, keys)
            for _ in range(rnd.randint(0, 3)):
                await pilot.pause(0.05)
            assert app.is_running and app.return_code is None, f"stopped by burst {round_}: {keys}"
        gate = app.key_gate
        await wait_for(pilot, lambda: gate.in_flight is None and not gate.waiting, message="every key handled")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        doc = app.notebook.doc
        reloaded = load_text(dumps(doc, "json")).doc
        assert [p.name for p in reloaded.prompts] == [p.name for p in doc.prompts]
        assert len(set(p.name for p in doc.prompts)) == len(doc.prompts)  # renames never made a duplicate
