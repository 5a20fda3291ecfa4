"""When a screen paints: as soon as something changed, at most once a frame period.

Textual paints a screen from a per-screen timer that it pauses after each frame and resumes when a widget
asks for a repaint. After a pause, its skip-ahead arithmetic (textual 8.2, ``Timer._run``) schedules the next
tick one to two periods ahead instead of at the next one: a key pressed just after a frame waited 17-33 ms at
60 frames/s before its own frame started. While a model streamed (a frame every ~30 ms) that was the largest
part of a key's latency, and it was idle time, not work.

:class:`PacedScreen` gives a screen a timer that paints at once when the last frame is at least a period old
and otherwise waits only for the rest of the period: the same cap on frames, without the idle wait.

It also keeps the compositor from arranging every widget twice. A layout pass arranges all of them, but when a
widget that was not on screen had asked for a repaint first (a new or hidden one), Textual's compositor still
considers its full map stale afterwards, and the next lookup of any widget's position arranges everything
again (5 ms here, once per layout pass and once per stray repaint).

The notebook's own screen also skips the restyle of every widget that Textual does on a screen's first resume
(``NotebookScreen``): nothing can have changed since they were styled, as they mounted.
"""

from __future__ import annotations

from textual._compositor import Compositor
from textual._time import get_time, sleep
from textual.screen import UPDATE_PERIOD, Screen
from textual.timer import EventTargetGone, Timer


def frame_delay(last_frame: float | None, now: float, period: float) -> float:
    """Seconds to wait before painting a frame requested at ``now``: none when the last one started a period or
    more ago (or there was none), otherwise the rest of that period."""
    if last_frame is None:
        return 0.0
    return max(0.0, last_frame + period - now)


class FrameTimer(Timer):
    """A screen's paint timer: ticks when resumed, paced by :func:`frame_delay`."""

    async def _run(self) -> None:
        last: float | None = None
        while True:
            await self._active.wait()  # paused by the screen after each frame, resumed on the next repaint
            delay = frame_delay(last, get_time(), self._interval)
            if delay > 0:
                await sleep(delay)
                await self._active.wait()
            last = get_time()
            try:
                await self._tick(next_timer=last, count=0)
            except EventTargetGone:
                break


class FullMapKeepingCompositor(Compositor):
    def reflow(self, parent, size):  # noqa: ANN001, ANN201 - Compositor's signature
        result = super().reflow(parent, size)
        # reflow() has just arranged every widget, which is exactly what the full map is
        self._full_map_invalidated = False
        return result


class PacedScreen:
    """Mix in before a Textual ``Screen`` class (see the module doc)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._compositor = FullMapKeepingCompositor()
        self._paced_timer: FrameTimer | None = None

    @property
    def _update_timer(self) -> Timer:
        if self._paced_timer is None:
            timer = FrameTimer(self, UPDATE_PERIOD, name="screen_update", callback=self._on_timer_update, pause=True)
            timer._start()  # noqa: SLF001 - what MessagePump.set_interval does after creating a Timer
            self._timers.add(timer)
            self._paced_timer = timer
        return self._paced_timer


class NotebookScreen(PacedScreen, Screen):
    """The app's default screen (App.get_default_screen)."""

    _resumed = False

    def _on_screen_resume(self, event) -> None:  # noqa: ANN001 - Textual's handler
        # Textual restyles every widget of a screen each time it resumes, to catch up with what changed while
        # another screen covered it (a theme, say). The first resume is the start of the app: every widget was
        # styled as it mounted, moments before, and styling them all again cost ~25 ms of the first paint.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False
        super()._on_screen_resume(event)
