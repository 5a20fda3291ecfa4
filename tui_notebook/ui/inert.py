"""Editable widgets show untrusted text inert too.

Read-only views sanitize their text before drawing it (:mod:`tui_notebook.sanitize`). Editable widgets
(``Input`` for settings and parameters, ``TextArea`` for the prompt editor) cannot: their value is the
document, and replacing ESC in it would silently change the user's data on the next edit. So for those two
widget classes the *drawn line* is made inert instead — the value keeps every character, the screen shows
``␛`` where the value holds ESC. :func:`install` does this once per process (idempotent) for ``Input``;
:func:`install_text_area` for ``TextArea``, which every module that uses a TextArea calls when it is imported
(TextArea takes ~30 ms to import, so the app does not import it before a first edit).
"""

from __future__ import annotations

import sys

from rich.segment import Segment
from textual.strip import Strip

from ..sanitize import has_controls, terminal_safe

_INSTALLED: set[str] = set()


def inert_strip(strip: Strip) -> Strip:
    """``strip`` with control characters in its text made visible; the same strip when there are none."""
    if not any(has_controls(segment.text) for segment in strip):
        return strip
    width = strip.cell_length
    segments = [Segment(terminal_safe(text), style, control) if not control else Segment("", style)
                for text, style, control in strip]
    # Controls are zero-width to Rich, their pictures are one cell: keep the line as wide as the widget.
    return Strip(segments).adjust_cell_length(width)


def _wrap(cls: type) -> None:
    original = cls.render_line

    def render_line(self, y: int) -> Strip:  # noqa: ANN001
        return inert_strip(original(self, y))

    render_line.__wrapped__ = original  # type: ignore[attr-defined]
    cls.render_line = render_line  # type: ignore[method-assign]


def install() -> None:
    """Make every ``Input`` (and ``TextArea``, if already imported) draw control characters inert."""
    if "Input" not in _INSTALLED:
        from textual.widgets import Input

        _wrap(Input)
        _INSTALLED.add("Input")
    if "textual.widgets._text_area" in sys.modules:
        install_text_area()


def install_text_area() -> None:
    """Make every ``TextArea`` draw control characters inert (its value is untouched)."""
    if "TextArea" not in _INSTALLED:
        from textual.widgets import TextArea

        _wrap(TextArea)
        _INSTALLED.add("TextArea")
