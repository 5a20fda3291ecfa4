"""Every key binding tuinb has, in one table: id, default keys, action, description, where it applies.

The ids are stable: users remap keys in ``config.toml`` under ``[keymap]`` (``run-cell = "f5,ctrl+r"``) and
the app applies that with ``App.set_keymap``. The footer (Textual's, from ``Binding(show=...)``), the help
screen and the command palette are all generated from this table, so a binding cannot exist in one and not
the others.

Two-key chords (``d d`` delete, ``i i`` cancel) are bindings whose action is ``chord('<id>')``: the first press
arms the chord, a second press of the same binding within :data:`CHORD_TIMEOUT` seconds runs it, any other
key (or the timeout) disarms it. Remapping a chord's id remaps the key that must be pressed twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal, Mapping

from textual.binding import Binding

Scope = Literal["app", "notebook", "editor", "sidebar", "dialog", "text", "models", "json"]

CHORD_TIMEOUT = 0.8
"""Seconds between the two presses of a chord (JupyterLab uses about the same)."""


@dataclass(frozen=True)
class KeySpec:
    id: str
    keys: str
    action: str
    description: str
    scope: Scope
    show: bool = True
    """Shown in the footer (the help screen and palette list everything)."""
    chord: bool = False
    palette: bool = True
    priority: bool = False
    """Run by the app before the focused widget sees the key (``escape`` in a TextArea, ``ctrl+s`` everywhere)."""
    key_display: str | None = None


KEYS: tuple[KeySpec, ...] = (
    # -- whole app -----------------------------------------------------------------------------------------
    KeySpec("save", "ctrl+s", "save", "Save", "app", priority=True),
    # ctrl+shift+s reaches the app only from terminals that tell it from ctrl+s (the kitty keyboard protocol:
    # kitty, WezTerm, foot, Ghostty, Alacritty, iTerm2 with CSI u); elsewhere (tmux, xterm, GNOME Terminal)
    # it arrives as ctrl+s, so alt+s is the key that works in every terminal.
    KeySpec("save-as", "ctrl+shift+s,alt+s", "save_as", "Save as… (a new file; editing goes on there)", "app",
            show=False, priority=True),
    KeySpec("quit", "ctrl+q", "quit", "Quit", "app", priority=True),
    KeySpec("help", "f1", "help", "Help: all keys", "app", show=False),
    # -- command mode (the cell column has focus) -----------------------------------------------------------
    KeySpec("cursor-down", "j,down", "cursor(1)", "Next cell", "notebook", show=False),
    KeySpec("cursor-up", "k,up", "cursor(-1)", "Previous cell", "notebook", show=False),
    KeySpec("cursor-first", "home", "cursor_to(0)", "First cell", "notebook", show=False),
    KeySpec("cursor-last", "end", "cursor_to(-1)", "Last cell", "notebook", show=False),
    KeySpec("edit-cell", "enter", "edit_cell", "Edit", "notebook", key_display="⏎"),
    KeySpec("add-above", "a", "add_cell(0)", "Add cell above", "notebook", show=False),
    KeySpec("add-below", "b", "add_cell(1)", "Add cell", "notebook"),
    KeySpec("delete-cell", "d", "delete_cell", "Delete cell (d d)", "notebook", show=False, chord=True),
    KeySpec("undo", "z", "undo", "Undo the last change", "notebook", show=False),
    KeySpec("redo", "Z", "redo", "Redo what was undone", "notebook", show=False),
    KeySpec("cut-cell", "x", "cut_cell", "Cut cell", "notebook", show=False),
    KeySpec("copy-cell", "c", "copy_cell", "Copy cell", "notebook", show=False),
    KeySpec("paste-cell", "v", "paste_cell", "Paste cell below", "notebook", show=False),
    KeySpec("move-up", "alt+up", "move_cell(-1)", "Move cell up", "notebook", show=False),
    KeySpec("move-down", "alt+down", "move_cell(1)", "Move cell down", "notebook", show=False),
    KeySpec("rename-cell", "n,f2", "rename_cell", "Rename cell", "notebook", show=False),
    KeySpec("run-cell", "r", "run_cell", "Run", "notebook"),
    KeySpec("run-and-next", "shift+enter", "run_and_next", "Run, then the next cell (a new one at the end)",
            "notebook", show=False, key_display="⇧⏎"),
    KeySpec("run-in-place", "ctrl+enter,ctrl+j", "run_cell", "Run, staying on the cell", "notebook", show=False,
            key_display="^⏎"),
    KeySpec("run-and-insert", "alt+enter", "run_and_insert", "Run, then add a cell below and edit it", "notebook",
            show=False, key_display="alt+⏎"),
    KeySpec("run-with-deps", "R", "run_with_deps", "Run with dependencies", "notebook", show=False),
    KeySpec("run-all", "A", "run_all", "Run all cells", "notebook"),
    KeySpec("cancel-run", "i", "cancel_run", "Cancel run (i i)", "notebook", show=False, chord=True),
    KeySpec("dismiss-error", "escape", "dismiss_error", "Dismiss the cell's run error", "notebook", show=False,
            key_display="esc"),
    KeySpec("clear-outputs", "O", "clear_outputs", "Clear the cell's outputs", "notebook", show=False),
    KeySpec("toggle-sidebar", "s", "toggle_sidebar", "Sidebar", "notebook"),
    KeySpec("close-sidebar", "escape", "close_sidebar", "Close the sidebar", "notebook", key_display="esc"),
    KeySpec("sidebar-tab-prev", "left_square_bracket", "sidebar_tab(-1)", "Sidebar: previous tab", "notebook",
            show=False, key_display="["),
    KeySpec("sidebar-tab-next", "right_square_bracket", "sidebar_tab(1)", "Sidebar: next tab", "notebook",
            show=False, key_display="]"),
    KeySpec("global-params", "g", "global_params", "Parameters", "notebook"),
    KeySpec("change-model", "m", "change_model", "Model", "notebook"),
    KeySpec("global-models", "M", "global_models", "Global model settings", "notebook", show=False),
    KeySpec("clear-all-outputs", "alt+o", "clear_all_outputs", "Clear the outputs of every cell", "notebook",
            show=False),
    KeySpec("copy-output", "y", "copy_output", "Copy the cell's output", "notebook", show=False),
    KeySpec("hf-token", "H", "hf_token", "Hugging Face token (this session)", "notebook", show=False),
    KeySpec("edit-json", "J", "edit_json", "Edit the input as JSON", "notebook", show=False),
    KeySpec("outputs-json", "alt+j", "outputs_json", "Show the outputs as JSON", "notebook", show=False),
    KeySpec("rename-notebook", "N", "rename_notebook", "Rename the notebook", "notebook", show=False),
    KeySpec("edit-description", "E", "edit_description", "Edit the description", "notebook", show=False),
    KeySpec("help-cmd", "question_mark", "help", "Help", "notebook", key_display="?"),
    # media (ui/media/actions.py, on the app)
    KeySpec("view-media", "o", "app.view_media", "View the cell's images / audio", "notebook", show=False),
    KeySpec("attachments", "t", "app.attachments", "Attachments of the cell", "notebook", show=False),
    KeySpec("export", "X", "app.export_notebook", "Export to HTML / Markdown", "notebook", show=False),
    # -- edit mode (a cell's prompt editor has focus) ---------------------------------------------------------
    KeySpec("leave-edit", "escape", "leave_edit", "Command mode", "editor", priority=True, key_display="esc"),
    KeySpec("run-from-editor", "ctrl+r,ctrl+enter,ctrl+j", "run_from_editor", "Run", "editor",
            key_display="^r"),
    KeySpec("editor-run-and-next", "shift+enter", "run_and_next", "Run, then the next cell (a new one at the end)",
            "editor", show=False, key_display="⇧⏎"),
    KeySpec("editor-run-and-insert", "alt+enter", "run_and_insert", "Run, then add a cell below and edit it",
            "editor", show=False, key_display="alt+⏎"),
    # -- the sidebar, while a field in it has focus (s) ---------------------------------------------------------
    KeySpec("sidebar-leave", "escape", "leave", "Back to the cell", "sidebar", key_display="esc"),
    KeySpec("sidebar-next-field", "down,tab", "field(1)", "Next field", "sidebar", key_display="↓"),
    KeySpec("sidebar-prev-field", "up,shift+tab", "field(-1)", "Previous field", "sidebar", show=False,
            key_display="↑"),
    # ] and [ where the focus is not in a text field (which types them); ctrl+pagedown / ctrl+pageup anywhere
    KeySpec("sidebar-next-tab", "right_square_bracket,ctrl+pagedown", "tab(1)", "Next tab", "sidebar",
            key_display="^pgdn"),
    KeySpec("sidebar-prev-tab", "left_square_bracket,ctrl+pageup", "tab(-1)", "Previous tab", "sidebar",
            show=False, key_display="^pgup"),
    # -- any text field (bound on the app, acting on the focused Input / TextArea) --------------------------------
    KeySpec("text-select-all", "ctrl+a", "text_select_all", "Select all the text", "text", show=False,
            palette=False, priority=True),
    KeySpec("text-kill-line", "ctrl+k", "text_kill_line", "Delete to the end of the line (not just the wrapped row)",
            "text", show=False, palette=False, priority=True),
    # -- dialogs ----------------------------------------------------------------------------------------------
    KeySpec("dialog-close", "escape", "cancel", "Close", "dialog", palette=False, key_display="esc"),
    # -- global model settings (M; keys of its model list) ------------------------------------------------------
    KeySpec("models-add", "a,insert", "screen.add_model", "Add a model", "models", palette=False),
    KeySpec("models-delete", "d,delete", "screen.delete_model", "Delete its global settings", "models",
            palette=False),
    KeySpec("models-undo", "z", "screen.undo", "Undo", "models", show=False, palette=False),
    KeySpec("models-default", "asterisk", "screen.toggle_default", "Make it the default model",
            "models", palette=False, key_display="*"),
    KeySpec("models-close", "escape", "close", "Close", "models", palette=False, key_display="esc"),
    # -- a cell's input as JSON (J) -------------------------------------------------------------------------------
    KeySpec("json-apply", "ctrl+r,alt+enter,ctrl+j", "apply", "Apply the JSON", "json", palette=False,
            key_display="^r"),
    KeySpec("json-cancel", "escape", "cancel", "Cancel", "json", palette=False, priority=True, key_display="esc"),
)

BY_ID: dict[str, KeySpec] = {spec.id: spec for spec in KEYS}

RENAMED_IDS = {"undo-delete": "undo"}
"""Binding ids that were renamed: a keymap written for the old id keeps working."""


def known_ids() -> frozenset[str]:
    """Every id a ``[keymap]`` entry may name (renamed ids too)."""
    return frozenset(BY_ID) | frozenset(RENAMED_IDS)


def upgrade_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The user's keymap with renamed binding ids replaced by their new ids (a new id set too wins)."""
    upgraded = {RENAMED_IDS.get(binding_id, binding_id): keys for binding_id, keys in keymap.items()
                if binding_id not in RENAMED_IDS}
    for old, new in RENAMED_IDS.items():
        if old in keymap:
            upgraded.setdefault(new, keymap[old])
    return {binding_id: with_shifted_spellings(keys) for binding_id, keys in upgraded.items()}


def with_shifted_spellings(keys: str) -> str:
    """``keys`` plus the other names terminals give a ctrl+shift+letter key: Textual names the kitty protocol's
    ``CSI 83;6u`` (tmux with ``extended-keys``) ``ctrl+shift+S`` and xterm's ``CSI 27;6;83~`` ``ctrl+S``,
    while ``CSI 115;6u`` is ``ctrl+shift+s``; a binding answers to all three."""
    names = [key.strip() for key in keys.split(",") if key.strip()]
    extra = []
    for key in names:
        head, _, letter = key.rpartition("+")
        if head == "ctrl+shift" and len(letter) == 1 and letter.isalpha():
            extra += [f"ctrl+shift+{letter.upper()}", f"ctrl+{letter.upper()}"]
    return ",".join(names + [key for key in extra if key not in names])


def bindings(scope: Scope) -> list[Binding]:
    """Textual bindings for one scope; chords are routed through ``action_chord``."""
    result = []
    for spec in KEYS:
        if spec.scope != scope:
            continue
        action = f"chord('{spec.id}')" if spec.chord else spec.action
        result.append(Binding(with_shifted_spellings(spec.keys), action, spec.description, show=spec.show,
                              id=spec.id, priority=spec.priority, key_display=spec.key_display))
    return result


def effective_keys(spec: KeySpec, keymap: Mapping[str, str]) -> str:
    return keymap.get(spec.id, spec.keys)


def display_keys(keys: str) -> str:
    names = {"question_mark": "?", "asterisk": "*", "shift+enter": "shift+⏎", "ctrl+enter": "^⏎", "left_square_bracket": "[", "right_square_bracket": "]",
             "ctrl+": "^", "enter": "⏎", "escape": "esc"}
    shown = []
    spelled = [key.strip() for key in keys.split(",")]
    # other terminals' names for a ctrl+shift key that is listed itself are not shown again
    aliases = {alias for key in spelled for alias in with_shifted_spellings(key).split(",")[1:]}
    for key in spelled:
        if key in aliases:
            continue
        for old, new in names.items():
            key = key.replace(old, new)
        shown.append(key)
    return " / ".join(shown)


def chord_display(spec: KeySpec, keymap: Mapping[str, str]) -> str:
    first = display_keys(effective_keys(spec, keymap)).split(" / ")[0]
    return f"{first} {first}" if spec.chord else display_keys(effective_keys(spec, keymap))


class ChordState:
    """The pending half of a two-key chord."""

    def __init__(self, timeout: float = CHORD_TIMEOUT) -> None:
        self.timeout = timeout
        self.pending: str | None = None
        self._at = 0.0

    def press(self, binding_id: str) -> bool:
        """Record a press; True when it completes the chord (second press in time)."""
        now = time.monotonic()
        if self.pending == binding_id and now - self._at <= self.timeout:
            self.pending = None
            return True
        self.pending = binding_id
        self._at = now
        return False

    def reset(self) -> None:
        self.pending = None


SCOPE_ORDER: tuple[Scope, ...] = ("notebook", "editor", "sidebar", "dialog", "text", "models", "json", "app")


def markdown_table() -> str:
    """The default keys as a Markdown table (README's "Keys" section is this text; a test keeps them equal)."""
    titles = {"notebook": "command mode", "editor": "edit mode", "sidebar": "sidebar", "dialog": "dialogs",
              "text": "text fields",
              "models": "global model settings", "json": "input as JSON", "app": "everywhere"}
    lines = ["| keys | action · binding id |", "|---|---|"]
    for scope in SCOPE_ORDER:
        specs = [spec for spec in KEYS if spec.scope == scope]
        if specs:
            lines.append(f"| **{titles[scope]}** | |")
        for spec in specs:
            keys = chord_display(spec, {}).replace("|", "\\|")
            lines.append(f"| `{keys}` | {spec.description} · `{spec.id}` |")
        if scope == "app":
            lines.append("| `^p` | Command palette (every action by name) |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tui_notebook.ui.keys > keys.md
    print(markdown_table())
