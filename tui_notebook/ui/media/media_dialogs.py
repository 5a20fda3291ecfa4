"""Dialogs for media: a path input with completion (save as, add attachment) and the export choice.

They only ask; whatever they return is acted on through :mod:`tui_notebook.media` (files, attachments,
export), never written from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Checkbox, Input, Label, Static

from ..dialogs import Choice, ChoiceDialog, dialog_css
from ..frames import PacedScreen
from ..safe_text import plain


class PathSuggester(Suggester):
    """Completes the last path component from the file system (→ or end accepts, as for any Input).

    Relative paths are completed against ``base`` (the notebook's folder). Directories get a trailing ``/``
    so the next component can be completed right away.
    """

    def __init__(self, base: Path) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.base = Path(base)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or "://" in value:
            return None
        expanded = os.path.expanduser(value)
        folder, _, prefix = expanded.rpartition("/")
        directory = Path(folder or ("/" if expanded.startswith("/") else "."))
        if not directory.is_absolute():
            directory = self.base / directory
        try:
            names = sorted(e.name for e in os.scandir(directory) if e.name.startswith(prefix)
                           and (prefix.startswith(".") or not e.name.startswith(".")))
        except OSError:
            return None
        if not names:
            return None
        name = names[0]
        suffix = "/" if (directory / name).is_dir() else ""
        return value[: len(value) - len(prefix)] + name + suffix


class PathInputScreen(PacedScreen, ModalScreen["tuple[str, bool] | None"]):
    """Ask for a path (or a URL). Result: (text, checkbox value), or None on escape / Cancel."""

    DEFAULT_CSS = dialog_css("PathInputScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, message: str, value: str, base: Path, *, ok: str = "OK",
                 checkbox: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.value = value
        self.base = Path(base)
        self.ok = ok
        self.checkbox = checkbox

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="title")
            yield Static(plain(self.message), id="message")
            yield Input(self.value, id="path", suggester=PathSuggester(self.base))
            if self.checkbox:
                yield Checkbox(self.checkbox, id="flag")
            yield Static("", id="problem")
            with Horizontal(id="buttons"):
                yield Button(self.ok, variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def show_problem(self, text: str) -> None:
        self.query_one("#problem", Static).update(plain(text))

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#ok")
    def _ok(self, event) -> None:  # noqa: ANN001
        event.stop()
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.show_problem("Type a path.")
            return
        flag = self.query_one("#flag", Checkbox).value if self.checkbox else False
        self.dismiss((text, flag))

    @on(Button.Pressed, "#cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportChoiceScreen(ChoiceDialog[str]):
    """HTML or Markdown. Result: ``"html"``, ``"md"`` or ``""`` (escape)."""

    CHOICES = [Choice("html", "[u]H[/u]TML", "h", "primary"), Choice("md", "[u]M[/u]arkdown", "m"),
               Choice("", "Cancel", "c")]
    ESCAPE = ""
