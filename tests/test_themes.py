"""tuinb's themes: registered, selectable, dark and light, and a bad name never stops the app."""

from __future__ import annotations

from textual.app import App
from textual.theme import Theme

from tui_notebook.themes import DEFAULT_THEME, STYLESHEET, THEMES, apply_theme, register_themes


def test_dark_and_light_themes_exist() -> None:
    assert {"tuinb-dark", "tuinb-light"} <= set(THEMES)
    assert all(isinstance(theme, Theme) for theme in THEMES.values())
    assert THEMES["tuinb-dark"].dark is True and THEMES["tuinb-light"].dark is False
    assert DEFAULT_THEME == "tuinb-dark"
    assert STYLESHEET.name == "tuinb.tcss" and STYLESHEET.is_file()


async def test_registered_themes_can_be_selected_and_change_colours() -> None:
    app = App()
    async with app.run_test() as pilot:
        register_themes(app)
        assert {"tuinb-dark", "tuinb-light"} <= set(app.available_themes)
        app.theme = "tuinb-light"
        await pilot.pause()
        light_background = app.screen.styles.background
        app.theme = "tuinb-dark"
        await pilot.pause()
        assert app.screen.styles.background != light_background
        assert app.current_theme.name == "tuinb-dark"


async def test_apply_theme_falls_back_with_a_message() -> None:
    app = App()
    async with app.run_test():
        assert apply_theme(app, "tuinb-light") is None and app.theme == "tuinb-light"
        assert apply_theme(app, "textual-light") is None and app.theme == "textual-light"  # Textual's work too
        problem = apply_theme(app, "no-such-theme")
        assert app.theme == DEFAULT_THEME
        assert problem is not None and "no-such-theme" in problem and "tuinb-light" in problem


async def test_stylesheet_parses_under_every_theme() -> None:
    class Styled(App):
        CSS_PATH = [STYLESHEET]

    app = Styled()
    async with app.run_test() as pilot:
        register_themes(app)
        for name in ("tuinb-dark", "tuinb-light", "textual-dark", "textual-light"):
            app.theme = name
            await pilot.pause()
