"""tuinb's own themes (installed as ``tui_notebook.themes``) and the shared stylesheet for its panels."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.theme import Theme

THEMES: dict[str, Theme] = {}
"""Theme name -> theme, in the order they appear in the theme picker."""

STYLESHEET: Path = Path(__file__).with_name("tuinb.tcss")
"""Shared CSS for tuinb's panels and dialogs (add to ``App.CSS_PATH``)."""


def register_themes(app: App) -> None:
    """Make every tuinb theme available to ``app`` (``app.theme = "tuinb-light"`` then works)."""
    for theme in THEMES.values():
        app.register_theme(theme)
