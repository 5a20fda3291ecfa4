"""tuinb demo opens the demo notebook the user already has; --reset writes it afresh, in the UI after asking.

The tiny models are not built here (``build_models`` is replaced by fake folders): what is tested is which
files are written when, not the models.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.ui_app import notifications, wait_for

from tui_notebook import cli, demo
from tui_notebook.notebook import Notebook


@pytest.fixture
def fake_models(tmp_path, monkeypatch):
    dirs = {name: tmp_path / "models" / name for name in demo.MODELS}
    monkeypatch.setattr(demo, "build_models", lambda report=None: dirs)
    return dirs


def _edit(path: Path) -> str:
    data = json.loads(path.read_text())
    data["prompts"][0]["input"] = "my own story prompt"
    text = json.dumps(data, indent=2)
    path.write_text(text)
    return text


def test_an_existing_demo_notebook_is_opened_as_the_user_left_it(tmp_path, fake_models, capsys):
    out = tmp_path / "demo"
    assert cli.main(["demo", "--no-open", "-o", str(out)]) == 0
    path = out / demo.DEMO_NAME
    edited = _edit(path)
    (out / "demo-media" / "tone.wav").unlink()  # a missing attachment is written again
    assert cli.main(["demo", "--no-open", "-o", str(out)]) == 0
    assert path.read_text() == edited
    assert (out / "demo-media" / "tone.wav").exists()
    assert "--reset" in capsys.readouterr().err


def test_reset_without_the_ui_writes_it_afresh(tmp_path, fake_models):
    out = tmp_path / "demo"
    cli.main(["demo", "--no-open", "-o", str(out)])
    path = out / demo.DEMO_NAME
    _edit(path)
    assert cli.main(["demo", "--no-open", "--reset", "-o", str(out)]) == 0
    assert json.loads(path.read_text())["prompts"][0]["input"] != "my own story prompt"


def test_reset_with_the_ui_writes_nothing_before_asking(tmp_path, fake_models, monkeypatch):
    out = tmp_path / "demo"
    cli.main(["demo", "--no-open", "-o", str(out)])
    path = out / demo.DEMO_NAME
    edited = _edit(path)
    opened = []
    monkeypatch.setattr(cli, "cmd_open", lambda args: opened.append(args) or 0)
    assert cli.main(["demo", "--reset", "-o", str(out)]) == 0
    assert path.read_text() == edited and callable(opened[-1].reset_demo)
    reset = opened[-1].reset_demo
    assert cli.main(["demo", "-o", str(out)]) == 0
    assert opened[-1].reset_demo is None and path.read_text() == edited  # no --reset: nothing to ask
    reset()  # what the UI calls on "yes"
    assert json.loads(path.read_text())["prompts"][0]["input"] != "my own story prompt"


@pytest.mark.parametrize("answer", ["y", "n", "enter"])
async def test_the_ui_asks_before_resetting_the_demo(tmp_path, fake_models, answer):
    from tui_notebook.ui.app import TuinbApp
    from tui_notebook.ui.dialogs import ResetDemoScreen

    out = tmp_path / "demo"
    path = demo.write_demo(out, fake_models)
    edited = _edit(path)
    app = TuinbApp(Notebook.load(path), reset_demo=lambda: demo.write_demo(out, fake_models, reset=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ResetDemoScreen), message="the reset question")
        assert path.read_text() == edited  # nothing written before the answer
        await pilot.press(answer)
        await wait_for(pilot, lambda: not isinstance(app.screen, ResetDemoScreen), message="answered")
        await pilot.pause()
        first_input = app.notebook.doc.prompts[0].input
        if answer == "y":
            assert json.loads(path.read_text())["prompts"][0]["input"] != "my own story prompt"
            assert first_input != "my own story prompt" and not app.notebook.dirty  # the open notebook reloaded
            assert any("afresh" in text for text in notifications(app))
        else:  # "n", or a stray enter (the focus is on No)
            assert path.read_text() == edited and first_input == "my own story prompt"
