"""Help: every binding from the key table, with the keys in effect (after the user's keymap)."""

from __future__ import annotations

from typing import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from . import keys

SCOPES = (("notebook", "Command mode (the cell column)"), ("editor", "Edit mode (a prompt editor)"),
          ("app", "Everywhere"))


def help_table(keymap: Mapping[str, str], config_path: str = "") -> Table:
    table = Table(box=None, expand=True, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("Keys", no_wrap=True, style="bold cyan")
    table.add_column("Action")
    table.add_column("Binding id", style="dim", no_wrap=True)
    for scope, title in SCOPES:
        table.add_row(Text(title, style="bold underline"), "", "")
        for spec in keys.KEYS:
            if spec.scope == scope:
                table.add_row(keys.chord_display(spec, keymap), spec.description, spec.id)
        table.add_row("", "", "")
    table.add_row("ctrl+p", "Command palette (every action by name)", "")
    note = (f"Two-key chords (d d, i i): press the key twice within {keys.CHORD_TIMEOUT:g}s. "
            f"Remap any key in {config_path or 'config.toml'} under [keymap]: binding-id = \"keys\".")
    table.add_row("", Text(note, style="dim"), "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [("escape,q,f1,question_mark", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 95%; height: 85%; border: thick $accent;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, keymap: Mapping[str, str], config_path: str = "") -> None:
        super().__init__()
        self.keymap = dict(keymap)
        self.config_path = config_path
        self.table = help_table(self.keymap, self.config_path)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("tuinb keys", style="bold"))
            yield Static(self.table, id="help-table")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
