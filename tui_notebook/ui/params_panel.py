"""The global parameters dialog (``metadata.parameters``)."""

from __future__ import annotations

from textual.screen import ModalScreen

from ..notebook import Notebook


class GlobalParamsScreen(ModalScreen[None]):
    def __init__(self, notebook: Notebook) -> None:
        super().__init__()
        self.notebook = notebook
