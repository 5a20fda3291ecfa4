"""Text that changes often (streamed tokens, a running cell's status) without re-laying out the notebook.

``Static.update`` asks Textual for a layout pass of the whole screen on every change; with a dozen cells
on screen that pass costs tens of milliseconds, and doing it at stream-flush rate starved key presses while
a model generated. :class:`LiveText` repaints itself only, and asks for layout only when its height
(the number of wrapped lines) actually changed.

Streamed text grows a line every few tokens, and each new line moved every cell below it: a repaint of most of
the screen (40-90 ms with a dozen cells). With ``grow_step`` the widget reserves its height in steps of that
many lines, so the cells below move once per step instead of once per line; while the user types, a stream
may be told not to grow at all (``set_text(..., grow=False)``): it shows its last lines in the height it has.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from .steady import NoRelayoutOnResize


class LiveText(NoRelayoutOnResize, Widget):
    DEFAULT_CSS = "LiveText { height: auto; }"

    def __init__(self, text: Text | str = "", *, grow_step: int = 0, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self._text = Text(text) if isinstance(text, str) else text
        self._lines = -1
        self._shown: Text | None = None  # the tail shown instead of the whole text (set_text with grow=False)
        self.grow_step = grow_step

    @property
    def text(self) -> Text:
        return self._text

    def set_text(self, text: Text | str, *, grow: bool = True) -> bool:
        """Show ``text``. With ``grow=False`` a widget with a ``grow_step`` keeps its reserved height and shows
        the text's last lines; returns False when the text did not fit (it would have grown)."""
        text = Text(text) if isinstance(text, str) else text
        if text == self._text and self._lines != -1 and (self._shown is None or not grow):
            return True  # every cell's header is redrawn on every document change; most have not changed
        if not grow and self.grow_step and self._lines > 0:
            return self._set_tail(text)
        self._text = text
        self._shown = None
        lines = self._wrapped_lines()
        if self.grow_step:  # rounded up to a whole step (one step while the width is not known yet)
            lines = -(-max(lines, 1) // self.grow_step) * self.grow_step
        if lines != self._lines:
            self._lines = lines
            if self.grow_step and lines > 0:
                self.styles.height = lines  # a fixed height: Textual lays out again only when it changes
            else:
                self.refresh(layout=not self._fixed_height())
        else:
            self.refresh()
        return True

    def _fixed_height(self) -> bool:
        """Whether CSS gives the widget a height in lines (a one-line header): then its size does not follow its
        text, and a new number of wrapped lines needs a repaint, not a layout pass of the screen."""
        height = self.styles.height
        return height is not None and height.is_cells

    def _set_tail(self, text: Text) -> bool:
        width = self.content_region.width or self.size.width
        wrapped = text.wrap(self.app.console, width) if width > 0 else [text]
        self._text = text
        if len(wrapped) <= self._lines:
            self._shown = None
            self.refresh()
            return True
        self._shown = Text("\n").join(wrapped[-self._lines:])
        self.refresh()
        return False

    def clear(self) -> None:
        """No text, and no reserved height: the next text starts from one step again (one layout pass, where
        set_text("") would first reserve a step and then give it back)."""
        self._text = Text()
        self._shown = None
        self._lines = -1
        if self.grow_step:
            self.styles.height = "auto"
        else:
            self.refresh(layout=True)

    def _wrapped_lines(self) -> int:
        width = self.content_region.width or self.size.width
        if width <= 0:
            return -1  # not laid out yet: let layout decide
        return len(self._text.wrap(self.app.console, width))

    def render(self) -> Text:
        return self._text if self._shown is None else self._shown

    def on_resize(self) -> None:
        if not self.grow_step:
            self._lines = self._wrapped_lines()
