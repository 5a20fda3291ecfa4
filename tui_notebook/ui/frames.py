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

Before a screen paints, the screens it shows through (a modal's background) apply their pending layout, and a
screen covered by an opaque one paints nothing (:mod:`.screens_below`).

Screens also skip the restyle of every widget that Textual does each time a screen is shown, when the app's CSS
has not changed since they were last styled (``PacedScreen._on_screen_resume``).
"""

from __future__ import annotations

import asyncio

from textual._compositor import Compositor
from textual._time import get_time, sleep
from textual.screen import UPDATE_PERIOD, Screen
from textual.timer import EventTargetGone, Timer

from .screens_below import covered, keep_frame_for_later, lay_out_screens_below


def frame_delay(last_frame: float | None, now: float, period: float) -> float:
    """Seconds to wait before painting a frame requested at ``now``: none when the last one started a period or
    more ago (or there was none), otherwise the rest of that period."""
    if last_frame is None:
        return 0.0
    return max(0.0, last_frame + period - now)


SETTLE_MAX_S = 0.004


async def settle(max_s: float = SETTLE_MAX_S) -> None:
    """Let the callbacks already queued on the event loop run before a frame is painted, for at most ``max_s``.

    One key press changes several widgets, and each one's repaint reaches the screen through its own message
    pump, a few event-loop turns later. Painting at the first request split a key's effect over two frames:
    moving to another cell drew the headers in one and the cells' bars in the next, a frame period later, and
    while a model streamed that second frame often came after a layout pass of the whole column (~30 ms)."""
    loop = asyncio.get_running_loop()
    queued = getattr(loop, "_ready", None)  # asyncio's queue of callbacks ready to run (CPython, all loops here)
    if queued is None:
        await asyncio.sleep(0)
        return
    deadline = get_time() + max_s
    while queued and get_time() < deadline:
        await asyncio.sleep(0)


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
            await settle()
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
        self._styled_at: int | None = None  # the app's CSS generation this screen's widgets were styled with

    # Textual calls the handlers of every class in the MRO, this mixin's first: these only adjust the event
    # or take notes for Screen's own handlers, and never call super().

    def _on_mount(self, _event) -> None:  # noqa: ANN001
        self._styled_at = self.app._css_update_count  # noqa: SLF001 - bumped by every theme or CSS change

    def _on_screen_resume(self, event) -> None:  # noqa: ANN001
        """Skip the restyle when nothing changed since the widgets were styled.

        Textual restyles every widget of a screen each time it is pushed, to catch up with what changed while
        it was not shown (a theme, say). Its CSS generation tells whether anything did: the notebook's first
        frame (its widgets styled as they mounted, moments before; ~25 ms of the first paint) and every show
        of the help after the first (a restyle, and a second frame for the scroll bar it re-laid out) need
        none."""
        if not event.refresh_styles:
            return
        generation = self.app._css_update_count  # noqa: SLF001
        if generation == self._styled_at:
            event.refresh_styles = False  # read by Screen._on_screen_resume, which runs next
        self._styled_at = generation

    def _compositor_refresh(self) -> None:
        # every frame of a screen is drawn here (from its timer, when shown, when resized)
        if covered(self):  # type: ignore[arg-type]
            keep_frame_for_later(self)  # type: ignore[arg-type]
            return
        lay_out_screens_below(self)  # type: ignore[arg-type]
        super()._compositor_refresh()  # type: ignore[misc]

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
