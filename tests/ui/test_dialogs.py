"""Every dialog's result, by keyboard accelerator, by escape, by enter on the focused button, by click."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from textual.widgets import Button, Input, Static

from tui_notebook.recovery import RecoveryInfo
from tui_notebook.ui.dialogs import (
    ConfirmScreen,
    ExternalChangeScreen,
    QuitScreen,
    RecoveryScreen,
    SaveAsScreen,
    TrustScreen,
)

from panel_kit import HostApp, no_cursor_blink  # noqa: F401 - autouse fixture

INFO = RecoveryInfo(Path("/work/.app.aiconfig.json.tuinb-recovery"), Path("/work/app.aiconfig.json"), 1_700_000_000.0, 3)
HASH = "ab12" * 16

FACTORIES: dict[str, Callable[[], Any]] = {
    "confirm": lambda: ConfirmScreen("Delete cell?", "Delete prompt_3?"),
    "quit": lambda: QuitScreen(),
    "external": lambda: ExternalChangeScreen(Path("/work/app.aiconfig.json")),
    "recovery": lambda: RecoveryScreen(INFO),
    "trust": lambda: TrustScreen(Path("/work/model_parsers.py"), HASH),
}

# (dialog, key, expected result)
KEY_CASES = [
    ("confirm", "y", True), ("confirm", "n", False), ("confirm", "escape", False),
    ("quit", "s", "save"), ("quit", "d", "discard"), ("quit", "c", "cancel"), ("quit", "escape", "cancel"),
    ("external", "o", "overwrite"), ("external", "r", "reload"), ("external", "a", "save_as"),
    ("external", "c", "cancel"), ("external", "escape", "cancel"),
    ("recovery", "r", "restore"), ("recovery", "d", "discard"), ("recovery", "escape", "restore"),
    ("trust", "t", True), ("trust", "d", False), ("trust", "escape", False),
]

# What a stray `enter` does: the focused button on open.
ENTER_CASES = [("confirm", True), ("quit", "save"), ("external", "save_as"), ("recovery", "restore"),
               ("trust", False)]

# Clicking each button, left to right.
CLICK_CASES = [
    ("confirm", [True, False]),
    ("quit", ["save", "discard", "cancel"]),
    ("external", ["overwrite", "reload", "save_as", "cancel"]),
    ("recovery", ["restore", "discard"]),
    ("trust", [True, False]),
]


async def run_dialog(screen: Any, *keys: str) -> list[Any]:
    app = HostApp(screen=screen)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        assert app.screen is not screen or not keys  # a result closes the dialog
    return app.results


@pytest.mark.parametrize(("name", "key", "expected"), KEY_CASES)
async def test_keys(name: str, key: str, expected: Any) -> None:
    assert await run_dialog(FACTORIES[name](), key) == [expected]


@pytest.mark.parametrize(("name", "expected"), ENTER_CASES)
async def test_enter_presses_the_focused_button(name: str, expected: Any) -> None:
    assert await run_dialog(FACTORIES[name](), "enter") == [expected]


@pytest.mark.parametrize(("name", "expected"), CLICK_CASES)
async def test_clicks(name: str, expected: list[Any]) -> None:
    for index, result in enumerate(expected):
        app = HostApp(screen=FACTORIES[name]())
        async with app.run_test(size=(100, 36)) as pilot:
            await pilot.pause()
            await pilot.click(f"#choice-{index}")
            await pilot.pause()
        assert app.results == [result], (name, index)


async def test_unrelated_keys_do_nothing() -> None:
    app = HostApp(screen=QuitScreen())
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.press("x", "q", "1")
        await pilot.pause()
        assert app.results == []
        assert isinstance(app.screen, QuitScreen)


async def test_trust_dialog_shows_path_full_hash_and_what_trust_means() -> None:
    screen = TrustScreen(Path("/work/model_parsers.py"), HASH)
    app = HostApp(screen=screen)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        text = str(screen.query_one("#message", Static).content)
        assert "/work/model_parsers.py" in text
        assert HASH in text  # the full hash, not an abbreviation
        assert "runs that code" in text and "asks again" in text


async def test_recovery_dialog_describes_the_file() -> None:
    screen = RecoveryScreen(INFO)
    app = HostApp(screen=screen)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        text = str(screen.query_one("#message", Static).content)
        assert str(INFO.path) in text and "3 cells" in text and str(INFO.notebook_path) in text


async def test_external_change_dialog_names_the_file() -> None:
    screen = ExternalChangeScreen(Path("/work/app.aiconfig.json"))
    app = HostApp(screen=screen)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        assert "/work/app.aiconfig.json" in str(screen.query_one("#message", Static).content)


# -- save as -----------------------------------------------------------------------------------------------


async def test_save_as_default_path_with_enter(tmp_path: Path) -> None:
    default = tmp_path / "new.aiconfig.json"
    assert await run_dialog(SaveAsScreen(default), "enter") == [default]


async def test_save_as_relative_name_goes_beside_the_default(tmp_path: Path) -> None:
    screen = SaveAsScreen(tmp_path / "a.aiconfig.json")
    app = HostApp(screen=screen)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        screen.query_one("#path", Input).value = ""
        await pilot.press(*"copy", "enter")
        await pilot.pause()
    assert app.results == [tmp_path / "copy.aiconfig.json"]  # suffix added too


async def test_save_as_escape_and_cancel_button(tmp_path: Path) -> None:
    assert await run_dialog(SaveAsScreen(tmp_path / "a.json"), "escape") == [None]
    app = HostApp(screen=SaveAsScreen(tmp_path / "a.json"))
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.click("#cancel")
        await pilot.pause()
    assert app.results == [None]


async def test_save_as_refuses_missing_folder_and_empty_name(tmp_path: Path) -> None:
    screen = SaveAsScreen(tmp_path / "a.json")
    app = HostApp(screen=screen)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        field = screen.query_one("#path", Input)
        field.value = str(tmp_path / "nope" / "b.json")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert "does not exist" in str(screen.query_one("#problem", Static).content)
        field.value = "   "
        await pilot.click("#save")
        await pilot.pause()
        assert app.results == []
        assert "Type a file name" in str(screen.query_one("#problem", Static).content)


async def test_save_as_existing_file_needs_a_second_enter(tmp_path: Path) -> None:
    existing = tmp_path / "taken.aiconfig.json"
    existing.write_text("{}")
    screen = SaveAsScreen(existing)
    app = HostApp(screen=screen)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert "already exists" in str(screen.query_one("#problem", Static).content)
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [existing]


async def test_buttons_show_their_accelerator() -> None:
    screen = QuitScreen()
    app = HostApp(screen=screen)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        labels = [str(b.label) for b in screen.query(Button)]
        assert labels == ["Save and quit", "Discard changes", "Cancel"]
        # The accelerator letter is underlined.
        first = screen.query_one("#choice-0", Button).label
        assert any(span.start == 0 and span.end == 1 and str(span.style) in ("u", "underline") for span in first.spans)
