"""The cyclic garbage collector is paused while tuinb starts and back on once the notebook is on screen."""

from __future__ import annotations

import argparse
import gc

from fixtures.ui_app import wait_for
from tui_notebook.ui import launch


def test_launch_pauses_the_collector_for_start_up(monkeypatch):
    seen = []
    monkeypatch.setattr(launch, "_open_and_run", lambda *args: seen.append(gc.isenabled()) or 0)
    try:
        assert launch.launch(argparse.Namespace(file="x.aiconfig.json", graphics="none")) == 0
        assert seen == [False]
    finally:
        gc.enable()


async def test_the_app_turns_the_collector_back_on_a_moment_after_start(make_app):
    gc.disable()  # as launch() leaves it
    try:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert not gc.isenabled()  # still starting
            await wait_for(pilot, gc.isenabled, timeout=5, message="the collector back on")
    finally:
        gc.enable()


async def test_an_app_started_with_the_collector_on_leaves_it_alone(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(1.3)
        assert gc.isenabled()


def test_launch_hands_the_interpreter_lock_over_quickly(monkeypatch):
    """Textual's input and output threads wait for the UI thread's lock at most about a millisecond."""
    import sys

    seen = []
    before = sys.getswitchinterval()
    monkeypatch.setattr(launch, "_open_and_run", lambda *args: seen.append(sys.getswitchinterval()) or 0)
    try:
        assert launch.launch(argparse.Namespace(file="x.aiconfig.json", graphics="none")) == 0
        assert seen == [launch.SWITCH_INTERVAL_S] and launch.SWITCH_INTERVAL_S <= 0.001
    finally:
        sys.setswitchinterval(before)
        gc.enable()
