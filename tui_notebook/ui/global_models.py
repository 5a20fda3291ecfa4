"""Global model settings (``metadata.models``), opened with ``M``: the settings every cell of a model inherits.

The newer AIConfig editor calls this "Global Model Settings" (spec §5.3; pain point 17: it had no UI for a long
time). Left, the models that have global settings (the default model starred, how many cells use each);
right, the selected model's settings in the same schema form a cell's sidebar uses — a cell's own settings
still win over these. Keys on the list add a model, delete one (undo with ``z``) and make one the default.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import AwaitMount
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..notebook import EditError, Notebook
from ..parser_api import UnknownParser
from ..sanitize import terminal_safe
from . import keys
from .frames import PacedScreen
from .key_hints import DialogKeyHints
from .messages import DocumentChanged
from .safe_text import plain
from .settings_form import SettingsForm
from .settings_target import GlobalModelSettings


class ModelList(OptionList):
    """The models with global settings; its keys act on the highlighted one."""

    BINDINGS = [b for b in keys.bindings("models") if b.id != "models-close"]


class GlobalModelsScreen(DialogKeyHints, PacedScreen, ModalScreen[None]):
    """Edit ``metadata.models`` and ``metadata.default_model``. Edits apply as they are made."""

    DEFAULT_CSS = """
    GlobalModelsScreen { align: center middle; background: $background 60%; }
    GlobalModelsScreen > #dialog {
        width: 120; max-width: 98%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    GlobalModelsScreen #title { text-style: bold; }
    GlobalModelsScreen #explain { color: $text-muted; margin-bottom: 1; }
    GlobalModelsScreen #panes { height: 1fr; }
    GlobalModelsScreen #model-list { width: 2fr; min-width: 24; height: 1fr; }
    GlobalModelsScreen #settings-pane { width: 3fr; height: 1fr; padding: 0 1; }
    GlobalModelsScreen .settings-title { text-style: bold; }
    GlobalModelsScreen .settings-note { color: $text-muted; margin-bottom: 1; }
    GlobalModelsScreen .empty { color: $text-muted; }
    """

    BINDINGS = [b for b in keys.bindings("models") if b.id == "models-close"]

    def __init__(self, notebook: Notebook, *, read_only: bool = False, current: str | None = None) -> None:
        super().__init__()
        self.notebook = notebook
        """The notebook whose ``metadata.models`` are edited."""
        self.read_only = read_only
        """Show the settings without letting them be edited (``--read-only``)."""
        self.current = current
        """The model highlighted on open (the current cell's), when it has global settings."""
        self.names: list[str] = []
        """The models listed, in file order."""
        self.selected: str | None = None
        """The model whose settings the form shows."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Global model settings", id="title")
            yield Static("Every cell of a model gets these settings; a cell's own settings (its sidebar) win. "
                         "Cells that name no model run the default model ★.", id="explain")
            with Horizontal(id="panes"):
                yield ModelList(id="model-list")
                yield VerticalScroll(id="settings-pane", can_focus=False)  # scrolls to its focused field

    def on_mount(self) -> None:
        self.notebook.subscribe(self._notebook_changed)
        self._fill_list()
        if self.current in self.names:
            self.query_one(ModelList).highlighted = self.names.index(self.current)
        self._show(self._highlighted_name())
        self.query_one(ModelList).focus()

    def on_unmount(self) -> None:
        self.notebook.unsubscribe(self._notebook_changed)

    def _notebook_changed(self, _notebook: Notebook) -> None:
        # Any thread may edit the notebook (a run writing outputs); post_message is thread-safe and coalesces.
        self.post_message(DocumentChanged())

    @on(DocumentChanged)
    def _on_document_changed(self, event: DocumentChanged) -> None:
        event.stop()
        self.sync()

    # -- the list ------------------------------------------------------------------------------------------

    def _label(self, name: str) -> Text:
        with self.notebook.lock:
            default = self.notebook.doc.metadata.default_model
            settings = (self.notebook.doc.metadata.models or {}).get(name) or {}
            parser = self.notebook.registry.for_model(name, self.notebook.doc)
        cells = self.notebook.cells_using(name)
        line = Text()
        line.append("★ " if name == default else "  ", style="bold")
        line.append(terminal_safe(name), style="bold")
        if isinstance(parser, UnknownParser):
            runs_with = "no parser registered"
        else:  # the parser's id, unless the entry is named by it (then its label, if that says more)
            label = getattr(parser, "label", "") or ""
            runs_with = parser.id if parser.id != name else (label if label != name else "")
        details = [runs_with, f"{cells} cell{'s' if cells != 1 else ''}",
                   f"{len(settings)} setting{'s' if len(settings) != 1 else ''}"]
        line.append("\n    " + " · ".join(d for d in details if d), style="dim")
        return line

    def _fill_list(self) -> None:
        listing = self.query_one(ModelList)
        keep = self._highlighted_name()
        self.names = list(self.notebook.global_models())
        listing.clear_options()
        listing.add_options([Option(self._label(name)) for name in self.names])
        if self.names:
            listing.highlighted = self.names.index(keep) if keep in self.names else 0

    def _highlighted_name(self) -> str | None:
        index = self.query_one(ModelList).highlighted
        return self.names[index] if index is not None and 0 <= index < len(self.names) else None

    @on(OptionList.OptionHighlighted, "#model-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show(self._highlighted_name())

    @on(OptionList.OptionSelected, "#model-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        # enter: go and edit the settings
        event.stop()
        self.focus_settings()

    def focus_settings(self) -> None:
        for form in self.query(SettingsForm):
            for widget in form.query("Input, TextArea, Switch, Select"):
                if widget.focusable:
                    widget.focus()
                    return

    # -- the form ------------------------------------------------------------------------------------------

    def _show(self, name: str | None) -> AwaitMount | None:
        """Show ``name``'s settings; returns the mount to await when something was mounted."""
        if name == self.selected and self.query(SettingsForm):
            return None
        self.selected = name
        pane = self.query_one("#settings-pane", VerticalScroll)
        # No ids on the pane's children: the old ones are only gone after the removal is processed, and a
        # quick move through the list mounts the next model's before that.
        pane.remove_children()
        if name is None:
            return pane.mount(Static("No global model settings yet. Press a to add a model; its settings then "
                                     "apply to every cell that uses it.", classes="empty"))
        cells = self.notebook.cells_using(name)
        note = (f"Applies to {cells} cell{'s' if cells != 1 else ''} of this notebook."
                if cells else "No cell of this notebook uses this model name.")
        return pane.mount(Static(plain(name), classes="settings-title"),
                          Static(note, classes="settings-note"),
                          SettingsForm(self.notebook, GlobalModelSettings(self.notebook, name),
                                       disabled=self.read_only))

    def sync(self) -> None:
        """Follow the document (own edits, undo, a reload, a cell switching model)."""
        if list(self.notebook.global_models()) != self.names:
            self._fill_list()
            self.selected = None
            self._show(self._highlighted_name())
            return
        listing = self.query_one(ModelList)
        for index, name in enumerate(self.names):
            listing.replace_option_prompt_at_index(index, self._label(name))
        for form in self.query(SettingsForm):
            form.sync()

    # -- actions (keys on the list) ------------------------------------------------------------------------

    def _writable(self, what: str) -> bool:
        if self.read_only:
            self.notify(f"Read-only notebook: cannot {what}.", severity="warning")
        return not self.read_only

    def action_add_model(self) -> None:
        if not self._writable("add models"):
            return
        from .model_picker import ModelPickerScreen

        existing = frozenset(self.names)
        with self.notebook.lock:
            used = []
            for prompt in self.notebook.doc.prompts:
                name = self.notebook.model_name(prompt)
                if name and name not in used:
                    used.append(name)
            first = tuple((name, self.notebook.registry.for_model(name, self.notebook.doc)) for name in used)

        async def add(model: str | None) -> None:
            if not model:
                return
            try:
                self.notebook.add_global_model(model)
            except EditError as exc:
                self.notify(str(exc), severity="warning")
                return
            self.sync()
            self.query_one(ModelList).highlighted = self.names.index(model)
            mounting = self._show(model)
            if mounting is not None:
                await mounting
            # The new entry is empty: its settings are what comes next. After the refresh: this runs before the
            # screen is resumed, which gives the focus back to the list.
            self.call_after_refresh(self.focus_settings)

        self.app.push_screen(ModelPickerScreen(self.notebook.registry, title="Add global settings for",
                                               first=first, exclude=existing, allow_custom=True), add)

    def action_delete_model(self) -> None:
        name = self._highlighted_name()
        if name is None or not self._writable("delete models"):
            return
        self.notebook.delete_global_model(name)
        self.notify(f"Deleted the global settings of {name}. Press z to undo.")

    def action_undo(self) -> None:
        # The notebook's own undo: the same step z undoes in the notebook (here, usually the delete).
        if not self._writable("undo"):
            return
        keep = self._highlighted_name()
        names = set(self.names)
        step = self.notebook.undo()
        if step is None:
            self.notify("Nothing to undo.")
            return
        self.sync()
        back = [name for name in self.names if name not in names]
        target = back[0] if back else keep
        if target in self.names:
            self.query_one(ModelList).highlighted = self.names.index(target)
        self.notify(f"Undone: {step.label}.")

    def action_toggle_default(self) -> None:
        name = self._highlighted_name()
        if name is None or not self._writable("change the default model"):
            return
        with self.notebook.lock:
            current = self.notebook.doc.metadata.default_model
            modelless = sum(1 for p in self.notebook.doc.prompts if not (p.metadata and p.metadata.model))
        self.notebook.set_default_model(None if current == name else name)
        if current == name and modelless:
            self.notify(f"No default model now: {modelless} cell{'s' if modelless != 1 else ''} naming no model "
                        "cannot run.", severity="warning")

    def action_close(self) -> None:
        self.dismiss(None)
