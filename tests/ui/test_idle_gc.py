"""Full garbage-collector passes wait for a pause in the user's input (ui/idle_gc.py)."""

from __future__ import annotations

import gc

from fixtures.ui_app import wait_for
from tui_notebook.ui import idle_gc
from tui_notebook.ui.idle_gc import AT_LATEST_S, EVERY_S, IDLE_S, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_pass_runs_only_when_input_is_quiet_and_the_last_one_is_old(monkeypatch):
    collected: list[int] = []
    monkeypatch.setattr(idle_gc.gc, "collect", lambda *a: collected.append(1) or 0)
    clock = Clock()
    last_input = [clock.now]
    collector = IdleCollector(lambda: last_input[0], clock)
    clock.now += EVERY_S / 2
    assert not collector.tick()  # too soon after the last full pass
    clock.now += EVERY_S
    last_input[0] = clock.now - IDLE_S / 2
    assert not collector.tick()  # the user is typing
    last_input[0] = clock.now - IDLE_S
    assert collector.tick() and collected == [1]
    assert not collector.tick()  # and not again right away


def test_continuous_input_cannot_put_a_full_pass_off_forever(monkeypatch):
    collected: list[int] = []
    monkeypatch.setattr(idle_gc.gc, "collect", lambda *a: collected.append(1) or 0)
    clock = Clock()
    collector = IdleCollector(clock, clock)  # input right now, always
    clock.now += AT_LATEST_S - 1
    assert not collector.tick()
    clock.now += 1
    assert collector.tick() and collected == [1]


def test_install_makes_automatic_full_passes_rare_and_uninstall_restores_the_thresholds():
    before = gc.get_threshold()
    collector = IdleCollector(lambda: 0.0)
    try:
        collector.install()
        assert gc.get_threshold()[:2] == before[:2] and gc.get_threshold()[2] == idle_gc.FULL_PASS_EVERY_GEN1
    finally:
        collector.uninstall()
    assert gc.get_threshold() == before


async def test_the_app_installs_it_once_settled_and_restores_the_collector_on_exit(make_app):
    before = gc.get_threshold()
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: gc.get_threshold()[2] == idle_gc.FULL_PASS_EVERY_GEN1, timeout=5,
                       message="rare automatic full passes once the app settled")
    assert gc.get_threshold() == before
