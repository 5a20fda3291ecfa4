"""A cell's one-line header: number, name, task, model, where a remote request goes, and the run's status.

The header is one line high. The model setting is often long (a local folder, an endpoint URL); drawn in full it
would push what matters more off the line: the destination host (where the request and any credential go) and
the run's status. So the model is the part that gives way: it is shortened from the left, keeping its end (the
folder or model name), with an ellipsis; when not even a few characters of it fit, it is left out.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text

from .live_text import LiveText

ELLIPSIS = "…"
MIN_MODEL = 8
"""Fewer characters of the model than this say nothing useful: the model is left out instead."""


def fit_header(head: Text, model: str | None, tail: Text, width: int, model_style: str = "dim") -> Text:
    """``head`` + `` · model`` + ``tail`` in ``width`` cells, shortening ``model`` (never ``head`` or ``tail``).
    ``width`` <= 0 (not laid out yet): nothing is shortened."""
    text = head.copy()
    if model:
        full = f" · {model}"
        room = width - head.cell_len - tail.cell_len if width > 0 else len(full)
        if len(full) <= room:
            text.append(full, style=model_style)
        elif room - 3 >= MIN_MODEL:
            keep = room - 3 - len(ELLIPSIS)
            text.append(f" · {ELLIPSIS}{model[len(model) - keep:]}", style=model_style)
    text.append_text(tail)
    return text


class CellHeader(LiveText):
    """The header line; ``on_width`` is called when its width changes, to fit the text to the new width."""

    def __init__(self, on_width: Callable[[], None], **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self._on_width = on_width
        self._width = 0

    @property
    def width_cells(self) -> int:
        return self.content_region.width or self.size.width

    def on_resize(self) -> None:  # Textual also calls LiveText.on_resize (handlers run along the class tree)
        width = self.width_cells
        if width != self._width:
            self._width = width
            self._on_width()
