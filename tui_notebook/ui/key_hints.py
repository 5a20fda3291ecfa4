"""The footer: the keys that matter in the current mode, drawn as one line of text.

It shows what Textual's ``Footer`` shows (the active bindings with ``show=True``, keys as the app displays them,
the command palette key on the right) and clicking a hint presses its key. It is one widget, not one per key:
Textual's footer rebuilds a widget per key whenever the active bindings change (every screen push and pop,
every focus change), and restyling those widgets was most of what opening and closing the help took.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class Hint(NamedTuple):
    key: str  # the key to press (Textual's name), e.g. "ctrl+s"
    shown: str  # how the app displays it, e.g. "^s"
    description: str
    enabled: bool
    binding_id: str | None = None


ESSENTIAL = frozenset({"help-cmd", "save", "quit", "leave-edit", "sidebar-leave", "close-sidebar", "dialog-close",
                       "json-cancel", "models-close"})
"""Binding ids whose hints stay when the footer is too narrow for all (the others go from the right); the
command-palette hint goes before these do."""


def fitting(hints: list[Hint], widths: list[int], room: int) -> list[bool]:
    """Which hints to draw in ``room`` cells: the essential ones first, then the rest, in order, where they fit
    (they are drawn in their own order either way)."""
    keep = [False] * len(hints)
    used = 0
    for essential_pass in (True, False):
        for index, (hint, width) in enumerate(zip(hints, widths)):
            if keep[index] or (hint.binding_id in ESSENTIAL) != essential_pass:
                continue
            if used + width > room:
                continue  # a shorter hint further on may still fit
            keep[index] = True
            used += width
    return keep


class KeyHints(Widget):
    DEFAULT_CSS = """
    KeyHints { dock: bottom; height: 1; width: 1fr; background: $footer-background; }
    KeyHints > .key-hints--key { color: $footer-key-foreground; background: $footer-key-background;
                                 text-style: bold; }
    KeyHints > .key-hints--description { color: $footer-description-foreground;
                                         background: $footer-description-background; }
    KeyHints > .key-hints--disabled { text-style: dim; }
    """
    COMPONENT_CLASSES = {"key-hints--key", "key-hints--description", "key-hints--disabled"}

    def __init__(self, *, show_command_palette: bool = True, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.show_command_palette = show_command_palette
        self.hints: list[Hint] = []
        self.palette: Hint | None = None
        self._spans: list[tuple[int, int, str]] = []  # (start x, end x, key) of each drawn hint

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is not self.screen:
            return
        hints: list[Hint] = []
        seen: set[str] = set()
        palette = None
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if self.show_command_palette and key == self.app.COMMAND_PALETTE_BINDING \
                    and self.app.ENABLE_COMMAND_PALETTE:
                palette = Hint(key, self.app.get_key_display(binding), binding.description, active.enabled)
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)  # one hint per action, with its first key (as Textual's footer does)
            hints.append(Hint(key, self.app.get_key_display(binding), binding.description, active.enabled,
                              binding.id))
        if hints != self.hints or palette != self.palette:
            self.hints, self.palette = hints, palette
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-hints--key")
        description_style = self.get_component_rich_style("key-hints--description")
        disabled = self.get_component_rich_style("key-hints--disabled")
        width = self.size.width
        right = Text()
        if self.palette is not None:
            right.append("▏")
            right.append(f"{self.palette.shown} ", key_style)
            right.append("palette", description_style)
        line = Text(no_wrap=True, overflow="crop")
        spans: list[tuple[int, int, str]] = []
        pieces = []
        for hint in self.hints:
            piece = Text.assemble((f" {hint.shown} ", key_style), (f"{hint.description} ", description_style))
            if not hint.enabled:
                piece.stylize(disabled)
            pieces.append(piece)
        widths = [piece.cell_len for piece in pieces]
        essential = sum(w for h, w in zip(self.hints, widths) if h.binding_id in ESSENTIAL)
        if right.cell_len and essential + right.cell_len > width:
            right = Text()  # too narrow: the palette hint goes before an essential key does
        keep = fitting(self.hints, widths, width - right.cell_len)
        for hint, piece, kept in zip(self.hints, pieces, keep):
            if not kept:
                continue
            spans.append((line.cell_len, line.cell_len + piece.cell_len, hint.key))
            line.append_text(piece)
        if self.palette is not None and right.cell_len:
            line.append(" " * max(0, width - line.cell_len - right.cell_len))
            spans.append((line.cell_len, line.cell_len + right.cell_len, self.palette.key))
            line.append_text(right)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return


class DialogKeyHints:
    """Mix into a modal screen (before the Textual class): a footer of its own over the notebook's, showing the
    keys of the dialog and of its focused field, not the notebook's behind it."""

    def _on_mount(self, _event: events.Mount) -> None:  # Textual calls each class's handler in the MRO
        self.mount(KeyHints(show_command_palette=False, classes="dialog-key-hints"))  # type: ignore[attr-defined]
