"""Pick a task / model parser for a cell, filtering as you type."""

from __future__ import annotations

from textual.screen import ModalScreen

from ..registry import ParserRegistry


class ModelPickerScreen(ModalScreen["str | None"]):
    """Result: the registry name to store as the cell's model (a Gradio label when the parser has one)."""

    def __init__(self, registry: ParserRegistry, current: str | None = None) -> None:
        super().__init__()
        self.registry = registry
        self.current = current
