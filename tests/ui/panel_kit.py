"""Helpers for the panel and dialog tests: test parsers with known settings schemas, a small notebook,
and a host app that mounts one widget or pushes one screen.

Not a conftest (tests/ui/conftest.py belongs to the app tests): test modules import what they need, and
importing the autouse ``no_cursor_blink`` fixture switches it on for that module. User dirs are isolated
by the root conftest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Input, TextArea

from tui_notebook.document import new_config
from tui_notebook.notebook import Notebook
from tui_notebook.parser_api import ModelParser
from tui_notebook.registry import ParserRegistry

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "model": {"type": "string", "description": "Hub model id"},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2, "default": 1.0},
        "max_new_tokens": {"type": "integer", "minimum": 1, "default": 400},
        "stream": {"type": "boolean", "default": True},
        "device": {"type": "string", "enum": ["cpu", "cuda", "mps"]},
        "stop_sequences": {"type": "array", "items": {"type": "string"}},
        "extra_kwargs": {"type": "object"},
    },
}
"""Every field kind the form supports, with defaults and ranges."""


class FormParser(ModelParser):
    id = "FormTestParser"
    label = "Form Test"
    task = "text-generation"
    description = "A parser for the settings-form tests"
    default_model = "tiny/model"
    settings_schema = FORM_SCHEMA


class BareParser(ModelParser):
    id = "BareParser"
    label = ""
    description = "No settings schema at all"


class LocalParser(ModelParser):
    id = "LocalThing"
    label = "Local Thing (Local)"
    task = "summarization"
    local = True
    default_model = "tiny/summarizer"
    description = "Runs on this machine"


def make_registry() -> ParserRegistry:
    registry = ParserRegistry()
    registry.register(FormParser(), ["Form Test"])
    registry.register(BareParser())
    registry.register(LocalParser(), ["Local Thing (Local)"])
    return registry


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    # Blinking cursors make screenshots depend on timing.
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None, raising=False)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None, raising=False)


def make_notebook(path: Path | None = None) -> Notebook:
    doc = new_config("Test notebook")
    notebook = Notebook(doc, path, registry=make_registry())
    notebook.set_parameter("city", "Paris")
    notebook.add_prompt(name="ask", model="Form Test", input="Tell me about {{city}} and {{topic}}.")
    notebook.add_prompt(name="bare", model="BareParser", input="hello")
    notebook.saved_revision = notebook.revision
    return notebook


class HostApp(App[Any]):
    """Mounts one widget, or pushes one screen and keeps its result."""

    def __init__(self, widget: Widget | None = None, screen: Any = None) -> None:
        super().__init__()
        self.widget = widget
        self.start_screen = screen
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        if self.widget is not None:
            yield self.widget

    def on_mount(self) -> None:
        from tui_notebook.themes import register_themes

        register_themes(self)
        self.theme = "tuinb-dark"
        if self.start_screen is not None:
            self.push_screen(self.start_screen, self.results.append)


async def type_into(pilot, widget, text: str, *, clear: bool = True) -> None:  # noqa: ANN001
    """Focus ``widget`` and type ``text`` key by key (replacing what it holds unless ``clear=False``)."""
    widget.focus()
    await pilot.pause()
    if clear:
        if isinstance(widget, TextArea):
            widget.select_all()
            await pilot.press("backspace")
        else:
            await pilot.press("end", *["backspace"] * len(widget.value))
    if text:
        keys = ["enter" if ch == "\n" else ch for ch in text]
        keys = ["space" if k == " " else k for k in keys]
        await pilot.press(*keys)
    await pilot.pause()
