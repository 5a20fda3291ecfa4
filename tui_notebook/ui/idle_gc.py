"""Full garbage-collector passes while the user is not typing.

The app freezes what it loaded at start (``TuinbApp._settle``), but a full pass still walks everything created
since: drawn lines, messages, streamed text. In tmux those passes took 22-26 ms and came every few seconds
while a model generated, in the middle of key presses. :class:`IdleCollector` makes the collector's own full
passes rare (young generations are collected as usual) and runs a full pass itself when input has been quiet
for a second, at most every :data:`EVERY_S` seconds, and after :data:`AT_LATEST_S` seconds in any case, so
cyclic garbage never piles up for long.
"""

from __future__ import annotations

import gc
import time
from typing import Callable

FULL_PASS_EVERY_GEN1 = 1000
"""Automatic full passes only after this many young-generation passes (Python's default is 10)."""
IDLE_S = 1.0
EVERY_S = 10.0
AT_LATEST_S = 60.0


class IdleCollector:
    def __init__(self, last_input: Callable[[], float], clock: Callable[[], float] = time.monotonic) -> None:
        self._last_input = last_input
        self._clock = clock
        self._last_full = clock()
        self._saved: tuple[int, int, int] | None = None
        self.full_passes = 0

    def install(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            gen0, gen1, _ = self._saved
            gc.set_threshold(gen0, gen1, FULL_PASS_EVERY_GEN1)

    def uninstall(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def tick(self) -> bool:
        """Run a full pass if it is time (called a few times a second); True if it ran."""
        now = self._clock()
        since = now - self._last_full
        idle = now - self._last_input() >= IDLE_S
        if since < EVERY_S or not (idle or since >= AT_LATEST_S):
            return False
        gc.collect()
        self._last_full = self._clock()
        self.full_passes += 1
        return True
