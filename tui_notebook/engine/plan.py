"""Run-all: the cells to run in order, and the ones the user took out of it while it goes on.

A plan is made once (the notebook's cells when run-all starts, from a given cell on) and shared between the
thread that runs it and the thread that cancels: skipping a cell that has not started is how a queued cell is
cancelled. Cells deleted meanwhile are passed over by the engine, not by the plan.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from ..document.models import Prompt


class RunPlan:
    def __init__(self, prompts: Iterable["Prompt"], start: "Prompt | None" = None) -> None:
        cells = list(prompts)
        if start is not None:
            cells = cells[next((i for i, p in enumerate(cells) if p is start), 0):]
        self.prompts: list[Prompt] = cells
        self._skipped: set[int] = set()
        self._lock = threading.Lock()

    def includes(self, prompt: "Prompt") -> bool:
        return any(p is prompt for p in self.prompts)

    def skip(self, prompt: "Prompt") -> bool:
        """Take ``prompt`` out of the plan; False if it is not in it or was taken out already."""
        with self._lock:
            if not self.includes(prompt) or id(prompt) in self._skipped:
                return False
            self._skipped.add(id(prompt))
            return True

    def skip_all(self) -> None:
        with self._lock:
            self._skipped.update(id(p) for p in self.prompts)

    def skipped(self, prompt: "Prompt") -> bool:
        with self._lock:
            return id(prompt) in self._skipped

    def __iter__(self) -> Iterator["Prompt"]:
        """The cells still to run, in order (a cell skipped while earlier ones run is passed over)."""
        for prompt in self.prompts:
            if not self.skipped(prompt):
                yield prompt
