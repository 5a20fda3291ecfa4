"""Screen snapshots (SVG baselines in the top-level snapshots/ folder; see tests/ui/conftest.py).

Deterministic: fixed terminal size, relative notebook path, no cursor blink, no clock in the picture
(statuses shown are final ones), unicode-only content (no terminal graphics).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures.ui_app import EchoParser, open_notebook, write_notebook

from tui_notebook.notebook import Notebook
from tui_notebook.ui.app import TuinbApp

from corpus_locator import corpus_dir


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _example_file() -> Path:
    """The Gradio example from the shared corpus (found beside the clone in CI; fails loudly if missing)."""
    return corpus_dir() / "main__gradio-notebook__example.aiconfig.json"


def _small_app() -> TuinbApp:
    path = write_notebook(Path("snap.aiconfig.json"), [
        ("intro", "Tell me about {{topic}} in one line.", "test-echo"),
        ("follow_up", "Summarise: {{intro.output}}", "test-echo"),
    ], parameters={"topic": "foxes"}, outputs={"intro": "Foxes are **small** omnivores."})
    return TuinbApp(open_notebook(Path(path.name)))


def test_example_notebook(snap_compare, in_tmp):
    shutil.copy(_example_file(), in_tmp / "example.aiconfig.json")
    app = TuinbApp(Notebook.open("example.aiconfig.json"))
    assert snap_compare(app, terminal_size=(110, 36))


def test_second_cell_current_and_help(snap_compare, in_tmp):
    assert snap_compare(_small_app(), terminal_size=(100, 40), press=["j", "question_mark"])


def test_edit_mode_highlights_templates(snap_compare, in_tmp):
    assert snap_compare(_small_app(), terminal_size=(100, 24), press=["enter"])


def test_after_run_and_failed_cell(snap_compare, in_tmp):
    async def run_cells(pilot) -> None:  # noqa: ANN001
        app = pilot.app
        app.notebook.add_prompt(2, name="broken", model="no-such-model", input="x")
        await pilot.pause()
        await pilot.press("j", "r")
        for _ in range(200):
            states = [app.runs.state(p).status for p in app.notebook.doc.prompts[1:]]
            if states[0] == "finished" and len(states) > 1:
                break
            await pilot.pause(0.02)
        await pilot.press("j", "r")
        for _ in range(200):
            if app.runs.state(app.notebook.doc.prompts[2]).status == "failed":
                break
            await pilot.pause(0.02)
        # a run's outputs are drawn once the keys have paused (ui/input_priority.py)
        await pilot.pause(0.4)
        for _ in range(100):
            if not app.input_priority.pending and not any(c.content_stale or c.stream_stale
                                                          for c in app.view.cell_widgets()):
                break
            await pilot.pause(0.02)
        # elapsed times differ run to run: show the final status without them
        for prompt in app.notebook.doc.prompts:
            app.runs.state(prompt).elapsed = None
        app.view.refresh_prompt(None)

    assert snap_compare(_small_app(), terminal_size=(100, 30), run_before=run_cells)


def test_empty_new_notebook_read_only(snap_compare, in_tmp):
    nb = Notebook.open("new.aiconfig.json")
    nb.registry.register(EchoParser())
    assert snap_compare(TuinbApp(nb, read_only=True), terminal_size=(80, 12))
