"""Key presses before background redraws (ui/input_priority.py), and the app's wiring of it."""

from __future__ import annotations

import threading

from fixtures.ui_app import GatedParser, wait_for
from textual import events
from tui_notebook.ui.input_priority import MAX_DELAY_S, QUIET_S, InputPriority, input_noticing_driver
from tui_notebook.ui.messages import DocumentChanged


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTimers:
    """Records set_timer calls; ``fire()`` runs the due ones, like App.set_timer would."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.timers: list[tuple[float, object]] = []

    def __call__(self, delay, callback):  # noqa: ANN001, ANN204
        self.timers.append((self.clock.now + delay, callback))

    def fire(self) -> None:
        due = [t for t in self.timers if t[0] <= self.clock.now + 1e-9]
        self.timers = [t for t in self.timers if t not in due]
        for _, callback in due:
            callback()


def priority():  # noqa: ANN201
    clock = FakeClock()
    timers = FakeTimers(clock)
    return InputPriority(timers, clock), clock, timers


def test_without_recent_input_a_redraw_runs_at_once():
    p, clock, timers = priority()
    drawn = []
    p.draw("a", lambda: drawn.append("a"))
    assert drawn == ["a"] and p.pending == 0 and timers.timers == []


def test_right_after_input_redraws_wait_until_input_is_quiet():
    p, clock, timers = priority()
    drawn = []
    p.noticed_input()
    p.draw("a", lambda: drawn.append("a"))
    assert drawn == [] and p.pending == 1
    clock.now += QUIET_S / 2
    timers.fire()
    assert drawn == []
    clock.now += QUIET_S / 2
    timers.fire()
    assert drawn == ["a"] and p.pending == 0


def test_more_input_keeps_them_waiting_and_the_same_key_keeps_only_the_latest():
    p, clock, timers = priority()
    drawn = []
    p.noticed_input()
    p.draw("stream", lambda: drawn.append("stream 1"))
    p.draw("tick", lambda: drawn.append("tick"))
    p.draw("stream", lambda: drawn.append("stream 2"))
    clock.now += QUIET_S * 0.9
    p.noticed_input()  # the user is still typing
    clock.now += QUIET_S * 0.2
    timers.fire()
    assert drawn == [] and timers.timers  # re-armed for the new quiet moment
    clock.now += QUIET_S
    timers.fire()
    assert drawn == ["stream 2", "tick"]  # the first-asked key first, with its latest redraw


def test_under_continuous_input_overdue_redraws_run_right_after_an_inputs_frame():
    p, clock, timers = priority()
    drawn = []
    p.noticed_input()
    p.draw("stream", lambda: drawn.append("stream"))
    clock.now += MAX_DELAY_S / 2
    p.noticed_input()
    p.input_painted()
    assert drawn == []  # not overdue yet
    clock.now += MAX_DELAY_S / 2
    p.noticed_input()
    timers.fire()
    assert drawn == []  # the timer only acts on quiet input
    p.input_painted()
    assert drawn == ["stream"] and p.pending == 0


def test_the_driver_subclass_notices_keys_and_clicks_as_they_are_read():
    class App:
        input_priority = None

    class Base:
        def __init__(self) -> None:
            self._app = App()
            self.sent: list[object] = []

        def process_message(self, message) -> None:  # noqa: ANN001
            self.sent.append(message)

    p, clock, _ = priority()
    driver = input_noticing_driver(Base, lambda app: p)()
    assert type(driver).__name__ == "InputNoticingBase"
    key = events.Key("j", "j")
    driver.process_message(events.Resize(None, None))  # type: ignore[arg-type]
    assert p.last_input == float("-inf")
    driver.process_message(key)
    assert p.last_input == clock.now and driver.sent[-1] is key  # and passed on as before


def test_a_document_change_from_a_worker_merges_with_a_users_as_the_users():
    user, worker = DocumentChanged(background=False), DocumentChanged(background=True)
    assert worker.can_replace(user) and not worker.background
    other = DocumentChanged(background=True)
    assert other.can_replace(DocumentChanged(background=True)) and other.background


def test_the_app_uses_the_noticing_driver():
    from tui_notebook.ui.app import TuinbApp

    assert TuinbApp.get_driver_class.__qualname__ == "TuinbApp.get_driver_class"
    from tui_notebook.notebook import Notebook
    from tui_notebook.document import new_config

    app = TuinbApp(Notebook(new_config("x"), None))
    assert app.driver_class.__name__.startswith("InputNoticing")


async def test_a_runs_redraws_wait_while_the_user_types_and_arrive_when_input_is_quiet(make_app):
    gated = GatedParser()
    app = make_app((("p1", "x", "test-gated"), ("p2", "below", "test-echo")), parsers=(gated,))
    async with app.run_test(size=(60, 30)) as pilot:
        try:
            await pilot.pause()
            await pilot.press("r")
            cell = app.view.current_cell()
            await wait_for(pilot, lambda: "first words" in cell._stream.text.plain, message="streamed words")
            await pilot.pause(QUIET_S * 2)
            await pilot.press("j")  # the user moves on while the model goes on
            gated.gate.set()

            def finished_while_typing() -> bool:
                app.input_priority.noticed_input()  # the user keeps typing
                return app.runs.state(cell.prompt).status == "finished"

            await wait_for(pilot, finished_while_typing)
            assert "done" not in cell._header.text.plain and app.input_priority.pending  # drawn a moment later
            await wait_for(pilot, lambda: "done" in cell._header.text.plain, timeout=2, message="header says done")
        finally:
            gated.gate.set()


async def test_a_users_own_change_is_drawn_at_once_and_a_workers_waits(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause(QUIET_S * 2)
        await pilot.press("b")  # add a cell below: the key's own document change
        await pilot.pause()
        assert len(app.view.cell_widgets()) == 2
        drawn = []
        original = app._draw_document
        app._draw_document = lambda background=False: (drawn.append(1), original(background))  # type: ignore[method-assign]
        thread = threading.Thread(target=lambda: app.notebook.rename_prompt(0, "renamed"))
        app.input_priority.noticed_input()
        thread.start()
        thread.join()
        await pilot.pause()
        assert drawn == [] and app.input_priority.is_waiting("document")  # (the 4 Hz clock may wait too)
        await wait_for(pilot, lambda: drawn == [1], timeout=2, message="the worker's change drawn once quiet")


async def test_a_stream_told_not_to_grow_shows_its_last_lines_in_the_height_it_has(make_app):
    from tui_notebook.ui.live_text import LiveText

    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        box = LiveText(grow_step=3)
        await app.view.mount(box)
        box.set_text("one")
        await pilot.pause()
        assert box.size.height == 3
        lines = "\n".join(f"line {i}" for i in range(6))
        assert box.set_text(lines, grow=False) is False  # it did not fit
        await pilot.pause()
        assert box.size.height == 3 and box.render().plain == "line 3\nline 4\nline 5"
        assert box.text.plain == lines  # the whole text is kept
        assert box.set_text(lines) is True  # allowed to grow again: a whole step more, all of it shown
        await pilot.pause()
        assert box.size.height == 6 and box.render().plain == lines


async def test_a_runs_new_outputs_wait_while_the_user_types_and_their_own_changes_do_not(make_app):
    from tui_notebook.ui.input_priority import LAYOUT_QUIET_S

    cells = (("p1", "one", "test-echo"), ("p2", "two", "test-echo"))
    app = make_app(cells)
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        first = app.view.cell_widgets()[0]
        await pilot.press("r")
        await wait_for(pilot, lambda: first._outputs_sig and len(first._outputs_sig) == 1, message="first output")
        await pilot.pause(LAYOUT_QUIET_S * 1.5)
        app.input_priority.noticed_input()  # the user is typing (elsewhere)
        app.notebook.clear_outputs(0)  # as a run's new outputs would come: drawn as a background change
        first.refresh_cell(background=True)
        assert first.content_stale and len(first._outputs_sig) == 1  # held: still the old outputs
        await wait_for(pilot, lambda: first._outputs_sig == () and not first.content_stale, timeout=3,
                       message="drawn once the input paused")
        await pilot.press("r")
        await wait_for(pilot, lambda: first._outputs_sig and len(first._outputs_sig) == 1, message="output again")
        app.input_priority.noticed_input()
        app.notebook.clear_outputs(0)
        first.refresh_cell()  # the user's own change (e.g. clear outputs from a key): drawn at once
        assert not first.content_stale and first._outputs_sig == ()


def test_a_change_that_would_move_cells_waits_for_a_longer_pause_but_not_forever():
    from tui_notebook.ui.input_priority import HOLD_MAX_S, LAYOUT_QUIET_S

    p, clock, _ = priority()
    assert not p.holds_layout("cell")  # no input: drawn at once
    p.noticed_input()
    assert p.holds_layout("cell")
    clock.now += QUIET_S * 1.5  # quiet enough for other redraws, not for a change that moves cells
    assert p.holds_layout("cell") and not p.typing()
    clock.now += LAYOUT_QUIET_S
    assert not p.holds_layout("cell")
    first_held = clock.now
    held = []
    while clock.now - first_held < 2 * HOLD_MAX_S:  # continuous typing, a key every 50 ms
        p.noticed_input()
        held.append((clock.now - first_held, p.holds_layout("cell")))
        clock.now += 0.05
    released = [t for t, h in held if not h]
    assert released and abs(released[0] - HOLD_MAX_S) < 0.051  # let through once it waited HOLD_MAX_S
    assert held[len(held) // 2 + 2][1]  # and the next change waits afresh
