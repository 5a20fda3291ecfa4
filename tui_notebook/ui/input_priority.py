"""Key presses before background redraws.

While a model streams, the app redraws for reasons the user did not ask for: new tokens, a run starting or
finishing, the running time ticking. A key press queued behind such a redraw (a layout pass of the column is
25-40 ms on a two-core machine) waited for it, and its own handling takes several turns of the event loop,
each of which could let another background redraw go first. Measured in tmux, that was most of a key's
latency while generating.

So background redraws go through :class:`InputPriority`. Right after user input they wait until input has
been quiet for :data:`QUIET_S`. Under continuous input they run once they are :data:`MAX_DELAY_S` old, in the
moment right after an input's own frame is on screen (:meth:`InputPriority.input_painted`): the furthest point
from the next key press (at an arbitrary moment, such a redraw often landed right in front of one). A stream
keeps moving at about four updates a second under continuous typing, and at full rate otherwise. Only drawing
waits: run state and the document are always up to date, and what the user does (a key's own effect) is drawn
at once. Changes that would move cells wait longer (``LAYOUT_QUIET_S``, ``Cell.layout_held``).

Input is noticed by the terminal driver's input thread, the moment it is read (:func:`input_noticing_driver`),
so a redraw that starts after a key arrived already defers to it; the app also notices keys that reach it
another way (tests, the command palette's synthetic presses).
"""

from __future__ import annotations

import time
from typing import Any, Callable, Hashable

from textual import events

USER_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
"""The events that count as the user's input (not mouse moves: they stream while the pointer merely rests)."""

QUIET_S = 0.1
"""Background redraws wait until no input arrived for this long..."""
MAX_DELAY_S = 0.25
"""...or, under continuous input, until they are this old and an input's frame has just been painted."""
LAYOUT_QUIET_S = 0.3
"""A cell's background change that would move the cells below it (new outputs, a stream box appearing or
growing: a layout pass and a repaint of the column, 30-50 ms here) waits for a longer pause in the input: drawn
after a 0.1 s pause, those changes landed right on the next key of someone who had only slowed down."""
HOLD_MAX_S = 2.0
"""...but never longer than this (:meth:`InputPriority.holds_layout`)."""


class InputPriority:
    def __init__(self, set_timer: Callable[[float, Callable[[], None]], Any],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._set_timer = set_timer  # App.set_timer in the app; a fake in tests
        self._clock = clock
        # Written by the driver's input thread, read by the UI thread: a float attribute store is atomic.
        self.last_input = float("-inf")
        self._pending: dict[Hashable, Callable[[], None]] = {}
        self._oldest: float | None = None  # when the oldest pending redraw was asked for
        self._timer_set = False
        self._holds: dict[Hashable, float] = {}  # when holds_layout() first held each key's change back

    def noticed_input(self) -> None:
        """User input arrived (any thread)."""
        self.last_input = self._clock()

    def typing(self, within: float = QUIET_S) -> bool:
        """Input arrived less than ``within`` seconds ago."""
        return self._clock() - self.last_input < within

    def holds_layout(self, key: Hashable) -> bool:
        """Whether a background change that would move cells (``key``: whose, e.g. a cell) has to wait: input
        arrived less than :data:`LAYOUT_QUIET_S` ago, and this change has not waited :data:`HOLD_MAX_S` yet."""
        now = self._clock()
        if now - self.last_input >= LAYOUT_QUIET_S:
            self._holds.clear()
            return False
        since = self._holds.setdefault(key, now)
        if now - since >= HOLD_MAX_S:
            del self._holds[key]
            return False
        return True

    @property
    def pending(self) -> int:
        return len(self._pending)

    def is_waiting(self, key: Hashable) -> bool:
        """Whether a redraw with this key waits for quiet input."""
        return key in self._pending

    def draw(self, key: Hashable, redraw: Callable[[], None]) -> None:
        """Redraw now, or once input is quiet. A pending redraw with the same key is replaced by this one (it
        redraws the latest state anyway); redraws run in the order their keys were first asked for."""
        now = self._clock()
        if not self._pending and now - self.last_input >= QUIET_S:
            redraw()
            return
        self._pending[key] = redraw
        if self._oldest is None:
            self._oldest = now
        self._arm(now)

    def flush(self) -> None:
        """Run every pending redraw now."""
        pending, self._pending, self._oldest = self._pending, {}, None
        for redraw in pending.values():
            redraw()

    def input_painted(self) -> None:
        """The frame showing an input's effect is on screen: redraws that waited long enough run now."""
        if self._oldest is not None and self._clock() - self._oldest >= MAX_DELAY_S:
            self.flush()

    def _arm(self, now: float) -> None:
        if not self._timer_set:
            self._timer_set = True
            self._set_timer(max(0.0, self.last_input + QUIET_S - now), self._check)

    def _check(self) -> None:
        self._timer_set = False
        if not self._pending:
            return
        now = self._clock()
        if now - self.last_input >= QUIET_S - 1e-4:  # timers may fire a hair early
            self.flush()
        else:
            self._arm(now)  # more input arrived meanwhile


def input_noticing_driver(base: type, priority_of: Callable[[Any], "InputPriority | None"]) -> type:
    """A subclass of the terminal driver class ``base`` that tells the app's :class:`InputPriority` about key
    presses and mouse clicks/scrolls as soon as its input thread reads them (``priority_of(app)``)."""
    class InputNoticingDriver(base):  # type: ignore[misc, valid-type]
        def process_message(self, message) -> None:  # noqa: ANN001 - a textual Message
            if isinstance(message, USER_INPUT):
                priority = priority_of(self._app)
                if priority is not None:
                    priority.noticed_input()
            super().process_message(message)

    InputNoticingDriver.__name__ = InputNoticingDriver.__qualname__ = f"InputNoticing{base.__name__}"
    return InputNoticingDriver
