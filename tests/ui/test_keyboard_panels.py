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
        for key, expected in (("down", "setting-temperature"), ("down", "setting-max_new_tokens"),
                              ("up", "setting-temperature"), ("up", "setting-model")):
            await pilot.press(key)
            await wait_for(pilot, lambda expected=expected: field_key(app) == expected, message=f"{key}: {expected}")
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


async def test_ctrl_a_selects_all_and_ctrl_k_deletes_to_the_end_of_the_logical_line(tmp_path) -> None:
    app = panel_app(tmp_path)
    async with app.run_test(size=(60, 30)) as pilot:  # narrow: the prompt's long line wraps in the editor
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: field_key(app) == "setting-model", message="model field focused")
        await pilot.press(*"abc", "ctrl+a")
        field = app.focused
        assert isinstance(field, Input) and field.selected_text == "abc"
        await pilot.press("x")
        assert field.value == "x"
        await pilot.press("home", "ctrl+k")
        assert field.value == ""
        await pilot.press("escape", "s")  # close the sidebar: the cell column is wide again
        app.notebook.set_input_text(0, "first line that is long enough to wrap in a narrow editor, and more\nsecond")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.focused, TextArea), message="edit mode")
        editor = app.focused
        editor.move_cursor((0, 6))
        await pilot.press("ctrl+k")
        assert editor.text == "first \nsecond"  # the whole rest of the line, past the wrap
        await pilot.press("ctrl+k")  # at the end of a line: joins the next one
        assert editor.text == "first second"
        await pilot.press("ctrl+a")
        assert editor.selected_text == "first second"


def border_shape(widget) -> str:  # noqa: ANN001
    return widget.styles.border_left[0]


async def test_the_focused_field_changes_shape_not_only_colour(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = panel_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: field_key(app) == "setting-model", message="model field focused")
        model = app.focused
        await pilot.press("down")
        temperature = app.focused
        assert border_shape(temperature) == "heavy" and border_shape(model) not in ("heavy", "")
        await pilot.press("escape", "g")
        await wait_for(pilot, lambda: isinstance(app.screen, GlobalParamsScreen) and app.focused is not None
                       and app.screen in app.focused.ancestors, message="a field of the dialog focused")
        assert border_shape(app.focused) == "heavy"


async def test_tab_never_lands_on_something_that_shows_no_focus(tmp_path) -> None:
    """Every stop of tab in the sidebar and the dialogs is a field, a button, a list or the tab bar."""
    from textual.widgets import Button, OptionList, Select, Switch, Tabs

    visible = (Input, TextArea, Button, Select, Switch, OptionList, Tabs)
    app = panel_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for opening, closing in (("s", "escape"), ("g", "escape"), ("M", "escape"), ("J", "escape")):
            await pilot.press(opening)
            await pilot.pause(0.2)
            for _ in range(25):
                focused = app.focused
                assert isinstance(focused, visible), f"after {opening}: tab stopped on {focused!r}"
                await pilot.press("tab")
            await pilot.press(closing)
            if opening == "s":
                await pilot.press("s")
            await wait_for(pilot, lambda: app.focused is app.view, message=f"back after {opening}")


async def test_escape_dismisses_a_run_error_first_then_closes_the_sidebar(make_app) -> None:
    app = make_app((("broken", "x", "no-such-model"),))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        prompt = app.notebook.doc.prompts[0]
        await pilot.press("r")
        await wait_for(pilot, lambda: app.runs.state(prompt).failure is not None, message="the run failed")
        await pilot.press("s")
        await wait_for(pilot, lambda: in_sidebar(app), message="focus in the sidebar")
        await pilot.press("escape")  # back to the cell
        await wait_for(pilot, lambda: app.focused is app.view, message="back on the cell")
        await pilot.press("escape")  # the error on the cell goes first
        await wait_for(pilot, lambda: app.runs.state(prompt).failure is None, message="error dismissed")
        assert app.sidebar.display
        await pilot.press("escape")  # nothing left to dismiss: the sidebar closes
        await wait_for(pilot, lambda: not app.sidebar.display, message="sidebar closed")


async def test_keys_typed_in_one_burst_after_s_reach_the_sidebar(tmp_path) -> None:
    """s, then escape and j before the sidebar's tabs are built: escape leaves the sidebar and j moves to the
    next cell, as typed slowly; the sidebar's build, finishing later, does not take the focus back."""
    from fixtures.ui_app import burst

    app = panel_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, ["s", "escape", "j"])
        await wait_for(pilot, lambda: app.view.current == 1, message="j reached the cells")
        await wait_for(pilot, lambda: not app.sidebar._building, message="the sidebar built")
        await pilot.pause()
        assert app.focused is app.view and app.view.current == 1
        if app.sidebar.display:
            burst(app, ["s"])  # (a very slow start lets the gate pass escape on before s is done: it closed it)
        burst(app, ["s"])  # opened again: the focus goes into it
        await wait_for(pilot, lambda: in_sidebar(app), message="focus in the reopened sidebar")
        burst(app, ["s", *"xyz"])  # typed into the first field of the sidebar (the s is text there)
        await wait_for(pilot, lambda: "sxyz" in str(getattr(app.focused, "text", getattr(app.focused, "value", ""))),
                       message="typed into the field")
