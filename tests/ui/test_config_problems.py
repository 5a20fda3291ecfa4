"""Mistakes in config.toml (a bad value, a [keymap] entry for a binding that does not exist) are shown in the
app when it starts and by ``tuinb doctor``, not only on stderr behind the alternate screen."""

from __future__ import annotations

from fixtures.ui_app import notifications, wait_for

from tui_notebook import doctor, paths
from tui_notebook.config import load_config
from tui_notebook.ui import launch
from tui_notebook.ui.keys import known_ids

CONFIG = """graphics = "hologram"

[keymap]
run-cell = "f5"
no-such-binding = "f6"
undo-delete = "u"
"""


def write_config() -> None:
    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "config.toml").write_text(CONFIG)


def test_an_unknown_keymap_id_is_reported_with_its_line() -> None:
    write_config()
    config, problems = load_config(binding_ids=known_ids())
    unknown = [p for p in problems if "no-such-binding" in p]
    assert len(unknown) == 1 and "config.toml:5: keymap.no-such-binding: no key binding has this id" in unknown[0]
    assert not any("run-cell" in p or "undo-delete" in p for p in problems)  # known, and a renamed id
    assert config.keymap["run-cell"] == "f5"


async def test_the_app_shows_config_problems_when_it_starts(make_app) -> None:
    write_config()
    config, problems = launch._load_config()
    assert len(problems) == 2
    app = make_app(config_problems=problems)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(notifications(app)) >= 2, message="config problems notified")
        shown = "\n".join(notifications(app))
        assert "graphics: expected one of" in shown and "hologram" in shown
        assert "keymap.no-such-binding" in shown


def test_doctor_reports_the_same_problems() -> None:
    write_config()
    lines = "\n".join(doctor.path_lines())
    assert "config problem:" in lines and "keymap.no-such-binding" in lines and "hologram" in lines
