"""A model-settings form generated from a parser's JSON Schema; writes only the keys the user edits."""

from __future__ import annotations

from textual.widget import Widget

from ..notebook import Notebook


class SettingsForm(Widget):
    def __init__(self, notebook: Notebook, index: int, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.notebook = notebook
        self.index = index
