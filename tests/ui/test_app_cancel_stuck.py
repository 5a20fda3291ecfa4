"""Cancel and quit from the UI never wait for a parser stuck in a call it cannot leave (a silent server, a
library read that ignores the cancel): the cell shows "cancelled" at once and keeps its outputs, and ctrl+q
ends the app without waiting for the run's thread. The real-terminal version (tuinb in tmux, a loopback
server that never answers) is tests/e2e/test_tmux.py::test_ctrl_q_quits_at_once_while_a_run_hangs_on_the_network.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from fixtures.ui_app import wait_for
from tui_notebook.document import Error
from tui_notebook.parser_api import ModelParser, text_output

# serial: cancel and quit are bounded by the wall clock
pytestmark = pytest.mark.serial


class StuckParser(ModelParser):
    """Blocks in a wait that never looks at the cancel token, until the test lets it go."""

    id = "test-stuck"
    label = "Stuck (test)"
    task = "text-generation"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()

    def run(self, request, ctx):  # noqa: ANN001, ANN201
        self.started.set()
        self.release.wait(30)
        return [text_output("late answer")]


async def test_cancel_of_a_stuck_run_shows_cancelled_at_once_and_keeps_outputs(make_app):
    stuck = StuckParser()
    app = make_app((("p1", "x", "test-stuck"),), parsers=(stuck,), outputs={"p1": "old answer"})
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            cell = app.view.current_cell()
            await pilot.press("r")
            await wait_for(pilot, stuck.started.is_set, message="the parser started")
            pressed = time.monotonic()
            await pilot.press("i", "i")
            await wait_for(pilot, lambda: app.runs.state(cell.prompt).status == "cancelled", timeout=2,
                           message="cancelled within 2 s")
            assert time.monotonic() - pressed < 2
            assert [o.data for o in app.notebook.doc.prompts[0].outputs if not isinstance(o, Error)] == \
                ["old answer"]
            await pilot.press("r")  # the cell can run again at once
            await wait_for(pilot, lambda: app.runs.state(cell.prompt).status == "running", message="runs again")
    finally:
        stuck.release.set()


async def test_ctrl_q_does_not_wait_for_a_stuck_run(make_app):
    stuck = StuckParser()
    app = make_app((("p1", "x", "test-stuck"),), parsers=(stuck,))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await wait_for(pilot, stuck.started.is_set, message="the parser started")
            pressed = time.monotonic()
            await pilot.press("ctrl+q")
        assert app.return_code == 0
        # What `asyncio.run` does as the program ends: join the threads the workers ran in. A worker still in
        # the stuck call would hold this (and the terminal) until the call returned.
        await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), timeout=2)
        took = time.monotonic() - pressed
        assert took < 2
        assert not stuck.release.is_set()  # the parser itself never returned: it was abandoned, not waited for
    finally:
        stuck.release.set()


async def test_ctrl_q_during_run_all_does_not_wait_for_a_stuck_run(make_app):
    stuck = StuckParser()
    app = make_app((("p1", "x", "test-stuck"), ("p2", "y", "test-stuck")), parsers=(stuck,))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("A")
            await wait_for(pilot, stuck.started.is_set, message="the first cell started")
            pressed = time.monotonic()
            await pilot.press("ctrl+q")
        await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), timeout=2)
        assert time.monotonic() - pressed < 2
    finally:
        stuck.release.set()
