"""A cell's outputs as JSON, read-only (``alt+j``): the Gradio Notebook's per-output "Toggle raw JSON".

What the file holds for each output (type, mime type, metadata, data), for checking what a model really
returned. Long strings (base64 pictures and audio run to megabytes) are shortened to their start and length.
"""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from ..document import Output
from . import keys
from .dialogs import dialog_css
from .frames import PacedScreen
from .key_hints import DialogKeyHints
from .inert import install_text_area
from .safe_text import plain

install_text_area()  # model text in a TextArea: keep it inert

LONG = 2000
"""Strings longer than this are shown as their first SHOWN characters and their length."""
SHOWN = 200


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > LONG:
        return f"{value[:SHOWN]}… ({len(value):,} characters)"
    if isinstance(value, dict):
        return {key: _shorten(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shorten(item) for item in value]
    return value


def outputs_as_json(outputs: list[Output]) -> str:
    """The outputs as the file holds them (``None`` fields dropped, as the SDK saves), long strings shortened."""
    dumped = [output.model_dump(mode="json", exclude_none=True) for output in outputs]
    return json.dumps(_shorten(dumped), indent=2, ensure_ascii=False)


class OutputsJsonScreen(DialogKeyHints, PacedScreen, ModalScreen[None]):
    DEFAULT_CSS = dialog_css("OutputsJsonScreen") + """
    OutputsJsonScreen > #dialog { width: 110; height: 90%; }
    OutputsJsonScreen TextArea { height: 1fr; }
    OutputsJsonScreen #hint { color: $text-muted; }
    """
    BINDINGS = keys.bindings("dialog")

    def __init__(self, prompt_name: str, outputs: list[Output]) -> None:
        super().__init__()
        self.prompt_name = prompt_name
        self.text = outputs_as_json(outputs)
        """What is shown."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(plain(f"Outputs of {self.prompt_name}, as JSON (read-only)"), id="title")
            yield TextArea(self.text, id="json", read_only=True, soft_wrap=True)
            yield Static("esc closes · y in the notebook copies the text outputs", id="hint")

    def on_mount(self) -> None:
        self.query_one("#json", TextArea).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
