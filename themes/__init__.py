"""tuinb's own themes (installed as ``tui_notebook.themes``) and the shared stylesheet for its screens.

The themes only pick colours; every widget styles itself with Textual's standard theme variables
(``$primary``, ``$error``, ``$surface``...) so Textual's built-in themes work just as well.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.theme import Theme

TUINB_DARK = Theme(
    name="tuinb-dark",
    primary="#5FA8D3",
    secondary="#7A6FD0",
    accent="#F2A541",
    warning="#F2A541",
    error="#E5566B",
    success="#5CC98A",
    foreground="#D8DEE9",
    background="#14171C",
    surface="#1C2028",
    panel="#262B35",
    dark=True,
    variables={
        "footer-key-foreground": "#5FA8D3",
        "input-selection-background": "#5FA8D3 35%",
    },
)
"""Default theme: low-glare dark blue-grey, readable on 256-colour SSH sessions."""

TUINB_LIGHT = Theme(
    name="tuinb-light",
    primary="#1F5F99",
    secondary="#5B4CB8",
    accent="#B45F06",
    warning="#B45F06",
    error="#B3243A",
    success="#2E7D4F",
    foreground="#1E2329",
    background="#F6F7F9",
    surface="#ECEEF2",
    panel="#DFE3EA",
    dark=False,
    variables={
        "footer-key-foreground": "#1F5F99",
        "input-selection-background": "#1F5F99 25%",
    },
)
"""Light theme with enough contrast for bright terminals and projectors."""

THEMES: dict[str, Theme] = {theme.name: theme for theme in (TUINB_DARK, TUINB_LIGHT)}
"""Theme name -> theme, in the order they appear in the theme picker."""

DEFAULT_THEME = TUINB_DARK.name
"""The theme used when the config names none (or one that does not exist)."""

STYLESHEET: Path = Path(__file__).with_name("tuinb.tcss")
"""Shared CSS for tuinb's screens (add to ``App.CSS_PATH``); widgets carry their own DEFAULT_CSS."""


def register_themes(app: App) -> None:
    """Make every tuinb theme available to ``app`` (``app.theme = "tuinb-light"`` then works)."""
    for theme in THEMES.values():
        app.register_theme(theme)


def apply_theme(app: App, name: str | None) -> str | None:
    """Switch ``app`` to theme ``name``; returns a problem message if there is no such theme (the
    default is used instead), so a typo in the config never stops the app from starting."""
    register_themes(app)
    if name and name in app.available_themes:
        app.theme = name
        return None
    app.theme = DEFAULT_THEME
    return f"unknown theme {name!r}; using {DEFAULT_THEME!r} (available: {', '.join(sorted(app.available_themes))})"
