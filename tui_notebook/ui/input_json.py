"""A cell's whole input as JSON (``J``): the Gradio Notebook's "{}" toggle.

The prompt editor edits the input's text. Some inputs are more than text: chat-style objects
(``{"role": "user", "content": "..."}``, in six corpus files), attachments with their metadata, or any key a
parser of your own reads. Here the input is shown and edited as the JSON the file holds; it is checked as
you type and applied only when valid.
"""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static, TextArea

from ..document import Prompt, PromptInput
from . import keys
from .dialogs import FormDialog, dialog_css
from .inert import install_text_area
from .safe_text import plain

install_text_area()  # user text in a TextArea: keep it inert


def input_as_json(prompt: Prompt) -> str:
    """The input as the file holds it (the SDK drops ``None`` fields when saving)."""
    value = prompt.input.model_dump(mode="json", exclude_none=True) if isinstance(prompt.input, PromptInput) \
        else prompt.input
    return json.dumps(value, indent=2, ensure_ascii=False)


def parse_input(text: str) -> tuple[Any, str | None]:
    """``(value, problem)``: a JSON string or object, or why the text is not one."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    if isinstance(value, dict):
        from pydantic import ValidationError

        try:
            PromptInput.model_validate(value)  # the document's own rules (attachments must be objects, ...)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            return None, f"input.{where}: {first['msg']}" if where else first["msg"]
    elif not isinstance(value, str):
        return None, "the input must be a JSON string (\"...\") or an object ({...})"
    return value, None


class InputJsonScreen(FormDialog[Any]):
    """Result: the new input value (a str or a dict), or None (``escape`` / Cancel)."""

    DEFAULT_CSS = dialog_css("InputJsonScreen") + """
    InputJsonScreen > #dialog { width: 100; }
    InputJsonScreen TextArea { height: 16; }
    InputJsonScreen #hint { color: $text-muted; }
    """
    BINDINGS = keys.bindings("json")

    def __init__(self, prompt: Prompt) -> None:
        super().__init__()
        self.prompt_name = prompt.name
        """Shown in the title."""
        self.original = input_as_json(prompt)
        """The text the editor starts with."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(plain(f"Input of {self.prompt_name}, as JSON"), id="title")
            yield TextArea(self.original, id="json", language=None, soft_wrap=True, tab_behavior="indent")
            yield Static("", id="problem")
            apply = keys.display_keys(keys.BY_ID["json-apply"].keys).split(" / ")[0]
            yield Static(f"A string, or an object (attachments, data, role, content, ...). {apply} applies, "
                         "esc cancels.", id="hint")
            with Horizontal(id="buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#json", TextArea).focus()

    @on(TextArea.Changed, "#json")
    def _edited(self, event: TextArea.Changed) -> None:
        event.stop()
        _, problem = parse_input(event.text_area.text)
        self.query_one("#problem", Static).update(plain(problem or ""))

    @on(Button.Pressed, "#apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        value, problem = parse_input(self.query_one("#json", TextArea).text)
        if problem is not None:
            self.query_one("#problem", Static).update(plain(problem))
            self.app.bell()
            return
        self.dismiss(value)
