"""Help: every binding from the key table, with the keys in effect (after the user's keymap)."""

from __future__ import annotations

import textwrap
from typing import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from . import keys
from .frames import PacedScreen

SCOPES = (("notebook", "Command mode (the cell column)"), ("editor", "Edit mode (a prompt editor)"),
          ("sidebar", "Sidebar (s), while one of its fields has the focus"), ("dialog", "Dialogs"),
          ("text", "Text fields (readline keys that stay: ^e end, ^d delete, ^w word left, ^u to start; "
                   "home: start)"),
          ("models", "Global model settings (M), on its list of models"), ("json", "A cell's input as JSON (J)"),
          ("app", "Everywhere"))


JUPYTER = (
    # (JupyterLab's key and what it does, the binding ids that do it here)
    ("Shift-Enter: run, select below", ("run-and-next", "editor-run-and-next")),
    ("Ctrl-Enter: run", ("run-in-place", "run-from-editor")),
    ("Alt-Enter: run, insert below", ("run-and-insert", "editor-run-and-insert")),
    ("Enter / Esc: edit mode / command mode", ("edit-cell", "leave-edit")),
    ("A / B: insert cell above / below", ("add-above", "add-below")),
    ("D, D: delete cell", ("delete-cell",)),
    ("Z: undo cell operation", ("undo",)),
    ("X / C / V: cut / copy / paste cell", ("cut-cell", "copy-cell", "paste-cell")),
    ("I, I: interrupt", ("cancel-run",)),
    ("Up / Down, K / J: select cell", ("cursor-up", "cursor-down")),
)
JUPYTER_NOTE = (
    "Modified enter keys reach tuinb only from terminals that report them (kitty, WezTerm, foot, Ghostty, "
    "iTerm2 with CSI u). In tmux put `set -s extended-keys always` in ~/.tmux.conf and restart the tmux server; "
    "tmux 3.3 still sends alt+enter as plain enter. Fallbacks: r runs, ctrl+r or ctrl+j run from the editor, "
    "j moves on, b adds a cell."
)


def jupyter_rows(keymap: Mapping[str, str]) -> list[tuple[str, str]]:
    """(JupyterLab key, the keys that do it in tuinb, after the user's keymap)."""
    rows = []
    for jupyter, ids in JUPYTER:
        shown: list[str] = []
        for binding_id in ids:
            for key in keys.chord_display(keys.BY_ID[binding_id], keymap).split(" / "):
                if key not in shown:
                    shown.append(key)
        rows.append((jupyter, " / ".join(shown)))
    return rows


def help_text(keymap: Mapping[str, str], config_path: str = "", width: int = 80) -> Text:
    """The key table as aligned lines of text.

    A plain ``Text`` instead of a Rich ``Table``: the help screen is opened and closed often, and measuring a
    60-row table on every show was a good part of the time it took to appear.
    """
    rows: list[tuple[Text | str, str, str] | None] = []
    for scope, title in SCOPES:
        rows.append((Text(title, style="bold underline"), "", ""))
        for spec in keys.KEYS:
            if spec.scope == scope:
                rows.append((keys.chord_display(spec, keymap), spec.description, spec.id))
        rows.append(None)
    rows.append(("ctrl+p", "Command palette (every action by name)", ""))
    key_w = max(len(str(r[0])) for r in rows if r and r[1]) + 2
    id_w = max(len(r[2]) for r in rows if r) + 1
    action_w = max(10, width - key_w - id_w)
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{'Keys':<{key_w}}{'Action':<{action_w}}{'Binding id'}\n", style="bold")
    for row in rows:
        if row is None:
            out.append("\n")
            continue
        key, action, binding_id = row
        if isinstance(key, Text) and not action:  # a section title
            out.append_text(key)
            out.append("\n")
            continue
        out.append(f"{str(key):<{key_w}}", style="bold cyan")
        out.append(f"{action[:action_w - 1]:<{action_w}}")
        out.append(f"{binding_id}\n", style="dim")
    out.append("\n")
    out.append("Coming from Jupyter", style="bold underline")
    out.append("\n")
    jupyter_w = max(len(row[0]) for row in jupyter_rows(keymap)) + 2
    for jupyter, here in jupyter_rows(keymap):
        out.append(f"{jupyter:<{jupyter_w}}")
        out.append(f"{here}\n", style="bold cyan")
    prose = min(width, 80) - 12  # the text does not wrap: the notes are wrapped to fit an 80-column terminal's box
    out.append(textwrap.fill(JUPYTER_NOTE, prose) + "\n\n", style="dim")
    note = (f"Two-key chords (d d, i i): press the key twice within {keys.CHORD_TIMEOUT:g}s. "
            f"Remap any key in {config_path or 'config.toml'} under [keymap]: binding-id = \"keys\".")
    out.append(textwrap.fill(note, prose), style="dim")
    return out


class PrerenderedText(Widget):
    """Text drawn once per width and kept: the help is shown again and again, and Textual would otherwise turn
    its 60 lines into strips anew on every show."""

    DEFAULT_CSS = "PrerenderedText { height: auto; }"

    def __init__(self, text: Text, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.text = text
        self._strips: tuple[int, list[Strip]] = (-1, [])

    def render(self) -> Text:  # what a screenshot or a test reads; drawing goes through render_line
        return self.text

    def strips(self, width: int) -> list[Strip]:
        if self._strips[0] != width:
            console = self.app.console
            lines = console.render_lines(self.text, console.options.update_width(width), pad=True)
            self._strips = (width, [Strip(line, width) for line in lines])
        return self._strips[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.strips(width))

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        lines = self.strips(width)
        return lines[y] if 0 <= y < len(lines) else Strip.blank(width)


class HelpScreen(PacedScreen, ModalScreen[None]):
    BINDINGS = [("escape,q,f1,question_mark", "dismiss", "Close")]

    # Opaque: a see-through modal makes Textual draw and tint the whole notebook beneath it on every show.
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background; }
    HelpScreen > VerticalScroll { width: 90; max-width: 95%; height: 85%; border: thick $accent;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, keymap: Mapping[str, str], config_path: str = "") -> None:
        super().__init__()
        self.keymap = dict(keymap)
        self.config_path = config_path
        self.content = help_text(self.keymap, self.config_path)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("tuinb keys", style="bold"))
            yield PrerenderedText(self.content, id="help-table")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
