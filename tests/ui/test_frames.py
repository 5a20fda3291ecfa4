"""When screens paint (ui/frames.py): at once after a pause, at most once a period, and without arranging the
notebook twice per layout pass."""

from __future__ import annotations

import pytest
from textual._compositor import Compositor
from textual.screen import UPDATE_PERIOD
from tui_notebook.ui import frames
from tui_notebook.ui.frames import FrameTimer, PacedScreen, frame_delay

# serial: what is painted in which frame depends on the event loop's timing, which other processes' load shifts
pytestmark = pytest.mark.serial


def test_a_frame_waits_only_for_the_rest_of_the_period():
    assert frame_delay(None, 5.0, 0.02) == 0.0  # the first frame
    assert frame_delay(1.0, 1.5, 0.02) == 0.0  # the last one long ago: paint at once
    assert frame_delay(1.0, 1.02, 0.02) == 0.0
    assert abs(frame_delay(1.0, 1.005, 0.02) - 0.015) < 1e-9  # never more than one period after the last


async def test_every_screen_of_the_app_paints_from_a_paced_timer(make_app, monkeypatch):
    waits: list[float] = []
    real_sleep = frames.sleep

    async def recording_sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(seconds)

    monkeypatch.setattr(frames, "sleep", recording_sleep)
    app = make_app((("p1", "one", "test-echo"), ("p2", "two", "test-echo")))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PacedScreen) and isinstance(app.screen._update_timer, FrameTimer)
        for _ in range(6):
            await pilot.press("j", "k")
        for _ in range(10):  # frames requested right after frames
            app.view.refresh()
            await pilot.pause(0.004)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, PacedScreen)  # the help screen too
        await pilot.press("q")
        await pilot.pause()
        assert waits and max(waits) <= UPDATE_PERIOD + 1e-9, waits  # Textual's own timer waited up to two


async def test_a_layout_pass_arranges_the_notebook_once(make_app, monkeypatch):
    """A repaint asked for by a widget not on screen (a new one, or an off-screen cell's header) marks the
    compositor's full map stale, and it stayed marked through the layout pass that had just built it: the next
    position lookup of any widget off screen arranged every widget again."""
    cells = [(f"p{i}", f"prompt {i}\n" * 4, "test-echo") for i in range(10)]
    app = make_app(cells)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        screen = app.screen
        last = app.view.cell_widgets()[-1]
        assert last.off_screen()
        compositor = screen._compositor
        compositor.update_widgets({last._header})  # what a frame does with an off-screen widget's repaint
        assert compositor._full_map_invalidated
        compositor.reflow(screen, screen.size)  # the layout pass of the same frame
        arranged: list[int] = []
        original = Compositor._arrange_root

        def counting(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            arranged.append(1)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Compositor, "_arrange_root", counting)
        assert last.off_screen()  # looks up an off-screen widget's position
        assert arranged == [], "the position lookup arranged the whole notebook again"


async def test_screens_restyle_their_widgets_when_shown_only_if_the_css_changed(make_app, monkeypatch):
    """Textual restyles every widget of a screen each time it is shown. Here that happens only when the app's
    CSS changed since the screen's widgets were styled: not for the notebook's first frame, not when the help
    opens a second time, but when it opens after a change of theme."""
    from textual.screen import Screen

    restyled: list[str] = []
    original = Screen.update_node_styles
    monkeypatch.setattr(Screen, "update_node_styles",
                        lambda self, animate=True: restyled.append(type(self).__name__) or original(self, animate))
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert restyled == []  # the first frame
        assert app.view.cell_widgets()[0]._header.styles.height.value == 1  # styled as it mounted
        for _ in range(2):
            await pilot.press("question_mark")
            await pilot.pause()
            await pilot.press("q")
            await pilot.pause()
        assert restyled == []  # the help, pre-built while the notebook settled, shown twice
        app.theme = "nord"
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert restyled == ["HelpScreen"]
        from textual.color import Color

        box = app.screen.query_one("VerticalScroll")  # its border is $accent
        assert box.styles.border_top[1] == Color.parse(app.theme_variables["accent"])


async def test_settle_lets_the_callbacks_already_queued_run_first():
    import asyncio

    loop = asyncio.get_running_loop()
    ran: list[int] = []

    def chain(n: int) -> None:  # a repaint request travelling through a few message pumps
        ran.append(n)
        if n < 5:
            loop.call_soon(chain, n + 1)

    loop.call_soon(chain, 0)
    await frames.settle()
    assert ran == [0, 1, 2, 3, 4, 5]


async def test_settle_gives_up_after_its_limit_when_callbacks_keep_coming():
    import asyncio
    import time

    loop = asyncio.get_running_loop()
    going = True

    def forever() -> None:
        if going:
            loop.call_soon(forever)

    loop.call_soon(forever)
    started = time.monotonic()
    await frames.settle(0.01)
    going = False
    assert time.monotonic() - started < 0.2


async def test_the_paint_timer_settles_before_each_frame(make_app, monkeypatch):
    """A key's repaints reach the screen a few event-loop turns apart (one per widget's message pump); the frame
    waits for them, so moving to another cell draws its bar and its header together."""
    settled: list[float] = []
    real_settle = frames.settle

    async def recording_settle(*args) -> None:  # noqa: ANN002
        settled.append(1)
        await real_settle(*args)

    monkeypatch.setattr(frames, "settle", recording_settle)
    drawn: list[set[str]] = []
    original = Compositor.update_widgets
    monkeypatch.setattr(Compositor, "update_widgets",
                        lambda self, widgets: drawn.append({type(w).__name__ for w in widgets}) or original(self, widgets))
    app = make_app((("p1", "one", "test-echo"), ("p2", "two", "test-echo")))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        settled.clear()
        drawn.clear()
        await pilot.press("j")
        await pilot.pause()
        assert settled
        assert drawn and {"Cell", "CellHeader"} <= drawn[0]  # the bars (cells) and the headers in one frame
