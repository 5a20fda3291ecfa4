"""Keys typed in one burst (a paste, a fast typist, a slow SSH link flushing) go where the user meant them.

Textual routes each key to the widget focused *when the app reads it*; the widget handles it in its own task and
ordinary bindings run later still, once the key has bubbled back up to the app. So a key that moves the focus
(``enter`` opens the editor, ``escape`` leaves it, ``n`` opens the rename box) was still being handled while the
keys behind it were already routed to the old widget: they were lost, or run as commands (``a`` added a cell).

``KeyGate`` routes one key at a time: while a key is in flight the next ones wait in order, and they are routed
once it has been handled all the way up (a ``KeySettled`` marker sent after it to the same widget reaches the app
only after the key did, messages being handled in order at every level) and after the focus moves it asked for
(``Widget.focus`` queues the move; the release is queued behind it). Keys typed at a human pace never wait: each
is settled long before the next arrives."""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import TYPE_CHECKING

from textual import events
from textual.message import Message
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

STUCK_AFTER_S = 0.5
"""If a key's marker is lost (its widget was removed while handling it), the waiting keys go on after this."""


def focus_now(widget: Widget, scroll_visible: bool = True) -> None:
    """Give ``widget`` the focus before the app handles its next queued message (``Widget.focus`` defers it)."""
    widget.screen.set_focus(widget, scroll_visible=scroll_visible)


class KeySettled(Message):
    """Follows a routed key up the widget tree; at the app it means the key has been handled."""

    def __init__(self, key: events.Event) -> None:
        super().__init__()
        self.key = key


class KeyGate:
    GATED = (events.Key, events.Paste)

    def __init__(self, app: "App") -> None:
        self.app = app
        self.in_flight: events.Event | None = None
        self.waiting: deque[events.Event] = deque()
        self._stuck_timer: "Timer | None" = None
        self._screen: object = None

    def hold(self, event: events.Event) -> bool:
        """True when ``event`` (input from the terminal) must wait for the key in flight; it is kept in order."""
        if self.in_flight is None or not isinstance(event, self.GATED) or event.is_forwarded:
            return False
        self.waiting.append(event)
        self._watch_stuck()
        return True

    def routed(self, event: events.Event, target: Widget | None) -> None:
        """The app has sent ``event`` to ``target``: it is in flight until its marker comes back."""
        if not isinstance(event, self.GATED) or target is None:
            return
        self.in_flight = event
        self._screen = self.app.screen
        if not target.post_message(KeySettled(event)):
            self.in_flight = None  # the widget is closing: nothing will come back

    def settled(self, message: KeySettled) -> None:
        if message.key is not self.in_flight:
            return
        if not self.app.screen_stack:  # the app closed its screens on the way out: nothing is left to route to
            self.in_flight = None
            self.waiting.clear()
            return
        # Queued, so that a focus change the key asked for (itself queued) happens before the next key; a key
        # that opened or closed a screen waits for that screen's first frame, which comes after its focus is set.
        release = partial(self._release, message.key)
        if self.app.screen is self._screen:
            self.app.call_later(release)
        else:
            self.app.screen.call_after_refresh(self.app.call_later, release)

    def _watch_stuck(self) -> None:
        if self._stuck_timer is None and self.waiting and self.in_flight is not None:
            self._stuck_timer = self.app.set_timer(STUCK_AFTER_S, partial(self._release, self.in_flight))

    async def _release(self, key: events.Event) -> None:
        if key is not self.in_flight:
            return  # released already (a marker late after the stuck timer, or the other way round)
        self.in_flight = None
        if self._stuck_timer is not None:
            self._stuck_timer.stop()
            self._stuck_timer = None
        while self.waiting and self.in_flight is None:
            await self.app.on_event(self.waiting.popleft())  # may put the next key in flight
        self._watch_stuck()
