"""Widgets whose resize does not ask Textual for a second layout pass.

After every layout pass Textual tells each widget its new size; a widget whose virtual size changed then asks for
*another* layout pass of the whole screen (``Widget.virtual_size`` is a layout reactive), and repaints itself.
That second pass matters only for widgets that scroll (their scroll bars may come or go). A cell and its parts
never scroll, yet each of them asked for it: while a model streamed, every cell that grew cost two full layout
passes and a repaint of the column instead of one.
"""

from __future__ import annotations

from textual.containers import Vertical
from textual.geometry import Size
from textual.widgets import Static

class NoRelayoutOnResize:
    """Mix in before a Textual widget class, for widgets that never scroll.

    Not a Widget subclass on purpose: Textual finds a class's CSS type names and DEFAULT_CSS by following the
    first DOM base of each class, so a Widget mixin in front would hide the real base's CSS (a Static would lose
    ``height: auto``)."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        # layout=False: Textual's own path for this (used after scrolling) records the size without a new pass
        return super()._size_updated(size, virtual_size, container_size, layout=False)  # type: ignore[misc]

class SteadyStatic(NoRelayoutOnResize, Static):
    """A Static inside a cell."""

class SteadyVertical(NoRelayoutOnResize, Vertical):
    """A Vertical inside a cell."""
