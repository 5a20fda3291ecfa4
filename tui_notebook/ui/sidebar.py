"""The per-cell sidebar: model settings, local parameters, and the prompt exactly as it will be sent."""

from __future__ import annotations

from textual.widget import Widget

from ..document import Prompt
from ..notebook import Notebook


class CellSidebar(Widget):
    def __init__(self, notebook: Notebook, prompt: Prompt | None, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.notebook = notebook
        self.prompt = prompt

    def set_prompt(self, prompt: Prompt | None) -> None:
        """Show another cell (or none)."""
        self.prompt = prompt

    def refresh_from_notebook(self) -> None:
        """Re-read the document (after an edit made elsewhere: undo, reload, model change)."""
