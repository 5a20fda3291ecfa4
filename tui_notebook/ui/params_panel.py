"""The global parameters dialog (``metadata.parameters``), opened with ``g``."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from ..notebook import Notebook
from . import keys
from .frames import PacedScreen
from .key_hints import DialogKeyHints
from .params_editor import ParamsEditor


class GlobalParamsScreen(DialogKeyHints, PacedScreen, ModalScreen[None]):
    """Edit the notebook's global parameters. Edits apply as they are typed; ``escape`` closes."""

    DEFAULT_CSS = """
    GlobalParamsScreen { align: center middle; background: $background 60%; }
    GlobalParamsScreen > #dialog {
        width: 90; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    GlobalParamsScreen #title { text-style: bold; margin-bottom: 1; }
    GlobalParamsScreen VerticalScroll { height: auto; max-height: 30; }
    GlobalParamsScreen #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    """

    BINDINGS = keys.bindings("dialog")

    def __init__(self, notebook: Notebook, *, read_only: bool = False) -> None:
        super().__init__()
        self.notebook = notebook
        """The notebook whose ``metadata.parameters`` are edited."""
        self.read_only = read_only
        """Show the parameters without letting them be edited (``--read-only``)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Global parameters", id="title")
            with VerticalScroll(can_focus=False):  # no focus stop that shows nothing: tab goes field to field
                yield ParamsEditor(self.notebook, None, id="global-params", disabled=self.read_only)
            with Horizontal(id="buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.notebook.subscribe(self._changed)
        editor = self.query_one(ParamsEditor)
        if self.read_only:
            self.call_after_refresh(self.query_one("#close", Button).focus)
            return
        # Land on the first parameter's value (the usual edit), or on "new name" when there is none.
        rows = editor.rows()
        target = rows[0].query_one(".param-value") if rows else editor.query_one("#params-new-name")
        self.call_after_refresh(target.focus)

    def on_unmount(self) -> None:
        self.notebook.unsubscribe(self._changed)

    def _changed(self, _notebook: Notebook) -> None:
        # Another thread (a run finishing) may have changed the notebook; sync on the UI thread.
        try:
            self.app.call_from_thread(self.query_one(ParamsEditor).sync)
        except RuntimeError:
            self.query_one(ParamsEditor).sync()  # already on the UI thread

    @on(Button.Pressed, "#close")
    def _close_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
