"""Panels and dialogs by keyboard: one key in with the focus in the first field, ``escape`` out with the focus
back on the cell, the footer showing the keys of what has the focus."""

from __future__ import annotations

from panel_kit import make_notebook, no_cursor_blink  # noqa: F401
from textual.widgets import Input, TabbedContent, TextArea

from tui_notebook.ui.app import TuinbApp
from tui_notebook.ui.global_models import GlobalModelsScreen
from tui_notebook.ui.input_json import InputJsonScreen
from tui_notebook.ui.key_hints import KeyHints
from tui_notebook.ui.params_panel import GlobalParamsScreen
from tui_notebook.ui.sidebar import CellSidebar

from fixtures.ui_app import wait_for

SIZE = (120, 40)


def panel_app(tmp_path, **kwargs) -> TuinbApp:  # noqa: ANN001, ANN003
    """make_notebook's cells: "ask" (a Form Test cell whose schema starts with ``model``) and "bare"."""
    return TuinbApp(make_notebook(tmp_path / "panels.aiconfig.json"), **kwargs)


def field_key(app: TuinbApp) -> str | None:
    """The settings key (or parameter row) of the focused field."""
    for node in (app.focused, *app.focused.ancestors):
        if node.id and (node.id.startswith("setting-") or node.id.startswith("params-")):
            return node.id
    return None


def in_sidebar(app: TuinbApp) -> bool:
    return app.focused is not None and app.sidebar in app.focused.ancestors


def footer(app: TuinbApp) -> list[str]:
    """What the footer at the bottom of the terminal offers (the top screen's last KeyHints)."""
    hints = list(app.screen.query(KeyHints))
    return [hint.description for hint in hints[-1].hints]


async def test_s_opens_the_sidebar_in_its_first_field_and_escape_goes_back_to_the_cell(tmp_path) -> None:
    app = panel_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: in_sidebar(app), message="focus in the sidebar")
        assert field_key(app) == "setting-model" and isinstance(app.focused, Input)
        await pilot.press(*"gpt")
        assert app.focused.value == "gpt"  # typed text lands in the field
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.view and app.sidebar.display  # back on the cell, the sidebar still shown
        assert app.view.current_prompt().name == "ask"
        await pilot.press("s")  # s again closes it
        await pilot.pause()
        assert not app.sidebar.display and app.focused is app.view
        await pilot.press("j", "s")  # the next cell's sidebar, in its first field
        await wait_for(pilot, lambda: in_sidebar(app), message="focus in the sidebar again")
        assert app.sidebar.prompt.name == "bare"
        await pilot.press("escape", "escape")  # escape twice: back to the cell, then closed
        await pilot.pause()
        assert not app.sidebar.display and app.focused is app.view


async def test_sidebar_up_down_move_between_fields_and_tabs_switch_by_key(tmp_path) -> None:
    app = panel_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: field_key(app) == "setting-model", message="model field focused")
        await pilot.press("down")
        assert field_key(app) == "setting-temperature"
        await pilot.press("down")
        assert field_key(app) == "setting-max_new_tokens"
        await pilot.press("up", "up")
        assert field_key(app) == "setting-model"
        tabs = app.sidebar.query_one(TabbedContent)
        await pilot.press("ctrl+pagedown")  # from a text field (where ] is typed)
        await wait_for(pilot, lambda: tabs.active == "tab-params" and in_sidebar(app), message="parameters tab")
        assert field_key(app) and field_key(app).startswith("params-")  # the focus follows into the new tab
        await pilot.press("escape", "right_square_bracket")  # in command mode, ] switches the sidebar's tab
        await wait_for(pilot, lambda: tabs.active == "tab-resolved", message="prompt tab")
        assert app.focused is app.view
        await pilot.press("left_square_bracket", "left_square_bracket")
        await wait_for(pilot, lambda: tabs.active == "tab-settings", message="settings tab")


async def test_sidebar_footer_shows_its_own_keys_not_the_notebooks(tmp_path) -> None:
    app = panel_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Add cell" in footer(app) and "Close the sidebar" not in footer(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: in_sidebar(app), message="focus in the sidebar")
        await wait_for(pilot, lambda: "Back to the cell" in footer(app), message="sidebar keys in the footer")
        assert "Add cell" not in footer(app) and "Run" not in footer(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Close the sidebar" in footer(app), message="esc closes, in the footer")
        assert "Add cell" in footer(app)


async def test_global_parameters_and_models_one_key_in_escape_out(tmp_path) -> None:
    app = panel_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "g")
        await wait_for(pilot, lambda: isinstance(app.screen, GlobalParamsScreen), message="parameters dialog")
        await wait_for(pilot, lambda: isinstance(app.focused, TextArea), message="the first value focused")
        assert footer(app)[0] == "Close" and "Add cell" not in footer(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is app.view, message="focus back on the cell column")
        assert app.view.current == 1
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, GlobalModelsScreen), message="models dialog")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is app.view, message="focus back after M")
        assert app.view.current == 1


async def test_the_json_input_dialog_closes_with_one_escape_and_shows_its_keys(tmp_path) -> None:
    app = panel_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("J")
        await wait_for(pilot, lambda: isinstance(app.screen, InputJsonScreen), message="JSON dialog")
        await wait_for(pilot, lambda: isinstance(app.focused, TextArea), message="JSON editor focused")
        assert "Apply the JSON" in footer(app) and "Cancel" in footer(app) and "Add cell" not in footer(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, InputJsonScreen) and app.focused is app.view


async def test_read_only_sidebar_focuses_its_tabs(tmp_path) -> None:
    app = panel_app(tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: in_sidebar(app), message="focus in the sidebar")
        assert isinstance(app.sidebar, CellSidebar) and app.sidebar.read_only
        await pilot.press("escape")
        assert app.focused is app.view
