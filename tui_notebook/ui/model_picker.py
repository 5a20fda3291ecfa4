"""Pick a task / model parser for a cell, filtering as you type (``m`` in command mode).

Each registered parser appears once, under the name a Gradio Notebook would store: its label
("Text Generation", "Text Generation (Local)") when it is registered under it, else its id. Saved files
then match Spaces, and the aliases never show up as duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..parser_api import ModelParser, UnknownParser
from .key_hints import DialogKeyHints
from ..registry import ParserRegistry
from .frames import PacedScreen
from .safe_text import markup, plain


@dataclass(frozen=True)
class PickerEntry:
    """One choice in the picker."""

    name: str
    """The registry name returned (and stored as the cell's model)."""
    parser: ModelParser
    """The parser behind it."""
    aliases: tuple[str, ...]
    """Every registry name that reaches this parser (filtering matches them too)."""

    @property
    def haystack(self) -> str:
        parser = self.parser
        where = "local" if parser.local else "remote"
        return " ".join([*self.aliases, parser.task or "", parser.default_model or "", parser.description or "",
                         where]).lower()


def picker_entries(registry: ParserRegistry) -> list[PickerEntry]:
    """One entry per parser, Gradio-labelled tasks first (the common choice), then the rest in
    registration order."""
    names_by_parser: dict[int, list[str]] = {}
    parsers: dict[int, ModelParser] = {}
    for name, parser in registry.items():
        names_by_parser.setdefault(id(parser), []).append(name)
        parsers.setdefault(id(parser), parser)
    entries = []
    for key, parser in parsers.items():
        names = names_by_parser[key]
        label = getattr(parser, "label", "") or ""
        name = label if label in names else (parser.id if parser.id in names else names[0])
        entries.append(PickerEntry(name, parser, tuple(names)))
    labelled = [e for e in entries if e.name == (e.parser.label or None)]
    others = [e for e in entries if e not in labelled]
    return labelled + others


def matches(entry: PickerEntry, query: str) -> bool:
    """Every word of ``query`` appears somewhere in the entry (name, aliases, task, model, description)."""
    haystack = entry.haystack
    return all(word in haystack for word in query.lower().split())


class ModelPickerScreen(DialogKeyHints, PacedScreen, ModalScreen["str | None"]):
    """Result: the registry name to store as the cell's model, or None (``escape``)."""

    DEFAULT_CSS = """
    ModelPickerScreen { align: center middle; background: $background 60%; }
    ModelPickerScreen > #dialog {
        width: 100; max-width: 95%; height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ModelPickerScreen #title { text-style: bold; margin: 0 0 1 0; }
    ModelPickerScreen #models { height: 1fr; }
    ModelPickerScreen #no-match { color: $text-muted; display: none; }
    ModelPickerScreen #no-match.-shown { display: block; }
    ModelPickerScreen #hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
    ]

    def __init__(self, registry: ParserRegistry, current: str | None = None, *,
                 title: str = "Choose a model / task", first: tuple[tuple[str, ModelParser], ...] = (),
                 exclude: frozenset[str] = frozenset(), allow_custom: bool = False) -> None:
        super().__init__()
        self.registry = registry
        """Where the choices come from."""
        self.current = current
        """The cell's model now (highlighted on open and marked)."""
        self.title_text = title
        """What the dialog asks."""
        registered = picker_entries(registry)
        extra = [PickerEntry(name, parser, (name,)) for name, parser in first if name not in exclude]
        extra_names = {entry.name for entry in extra}
        self.entries = extra + [e for e in registered if e.name not in exclude and e.name not in extra_names]
        """Every choice, unfiltered: ``first`` (e.g. the models this notebook's cells use) before the registry's."""
        self.allow_custom = allow_custom
        """Offer the filter text itself as a name when no choice has exactly that name (global settings can be
        kept for any model name, registered or not)."""
        self._registered = {name for entry in registered for name in entry.aliases}
        self.shown: list[PickerEntry] = []
        """The choices matching the filter, in list order (a custom name is last when offered)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(plain(self.title_text), id="title")
            yield Input(placeholder="Type to filter: task, model id, local…", id="filter")
            yield OptionList(id="models")
            yield Static("", id="no-match")
            yield Static("enter choose · ↑↓ move · esc cancel", id="hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#filter", Input).focus()

    def _current_entry(self) -> PickerEntry | None:
        if self.current is None:
            return None
        for entry in self.entries:
            if self.current in entry.aliases:
                return entry
        return None

    def _option(self, entry: PickerEntry) -> Option:
        # Names can come from the notebook file (``first``, a typed name): values, never markup.
        if entry not in self.entries:  # the typed name itself (allow_custom)
            known = "a registered name" if entry.name in self._registered else "no parser is registered under it"
            return Option(markup("  use [b]$name[/b] as the model name\n    [dim]$known[/dim]",
                                 name=entry.name, known=known), id="custom")
        parser = entry.parser
        if isinstance(parser, UnknownParser):
            where = "no parser registered"
        else:
            where = "local" if parser.local else "remote"
        details = [parser.id] if parser.id != entry.name else []
        if parser.default_model:
            details.append(f"default model {parser.default_model}")
        template = "$marker[b]$name[/b]  [dim]$where[/dim]"
        if details:
            template += "\n    $details"
        if parser.description:
            template += "\n    [dim]$description[/dim]"
        prompt = markup(template, marker="● " if entry is self._current_entry() else "  ", name=entry.name,
                        where=where, details=" · ".join(details), description=parser.description or "")
        return Option(prompt, id=f"m{self.entries.index(entry)}")

    def _fill(self, query: str) -> None:
        options = self.query_one("#models", OptionList)
        self.shown = [e for e in self.entries if matches(e, query)]
        name = query.strip()
        if self.allow_custom and name and all(e.name != name for e in self.shown):
            self.shown.append(PickerEntry(name, self.registry.for_model(name), (name,)))
        options.clear_options()
        options.add_options([self._option(e) for e in self.shown])
        no_match = self.query_one("#no-match", Static)
        no_match.update(plain(f"Nothing matches {query!r}.") if not self.shown else "")
        no_match.set_class(not self.shown, "-shown")
        if self.shown:
            current = self._current_entry()
            options.highlighted = self.shown.index(current) if (current in self.shown and not query) else 0

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose_highlighted()

    @on(OptionList.OptionSelected, "#models")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index].name)

    def _choose_highlighted(self) -> None:
        highlighted = self.query_one("#models", OptionList).highlighted
        if highlighted is None or not self.shown:
            self.app.bell()
            return
        self.dismiss(self.shown[highlighted].name)

    def action_move(self, delta: int) -> None:
        # Arrow keys move the list while the cursor stays in the filter, so typing and choosing mix.
        options = self.query_one("#models", OptionList)
        if not self.shown:
            return
        current = options.highlighted if options.highlighted is not None else 0
        options.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)
