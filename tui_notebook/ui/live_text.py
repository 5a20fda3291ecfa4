"""Text that changes often (streamed tokens, a running cell's status) without re-laying out the notebook.

``Static.update`` asks Textual for a layout pass of the whole screen on every change; with a dozen cells
on screen that pass costs tens of milliseconds, and doing it at stream-flush rate starved key presses while
a model generated. :class:`LiveText` repaints itself only, and asks for layout only when its height
(the number of wrapped lines) actually changed.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class LiveText(Widget):
    DEFAULT_CSS = "LiveText { height: auto; }"

    def __init__(self, text: Text | str = "", **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self._text = Text(text) if isinstance(text, str) else text
        self._lines = -1

    @property
    def text(self) -> Text:
        return self._text

    def set_text(self, text: Text | str) -> None:
        self._text = Text(text) if isinstance(text, str) else text
        lines = self._wrapped_lines()
        if lines != self._lines:
            self._lines = lines
            self.refresh(layout=True)
        else:
            self.refresh()

    def _wrapped_lines(self) -> int:
        width = self.content_region.width or self.size.width
        if width <= 0:
            return -1  # not laid out yet: let layout decide
        return len(self._text.wrap(self.app.console, width))

    def render(self) -> Text:
        return self._text

    def on_resize(self) -> None:
        self._lines = self._wrapped_lines()
