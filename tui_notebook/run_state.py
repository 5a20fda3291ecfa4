"""What is known about the runs of each cell: one :class:`CellRun` per cell, keyed by the cell itself (not by its
name, so a cell renamed while it runs keeps its state and its events), and the one set of rules for how a run
event changes it.

The states are changed from one thread only (the UI's, which applies the engine's events as they arrive), and read
by whatever draws them. Importing this module imports neither the engine nor a parser: the UI draws run states in
its first frame.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from .document import Error, Prompt
    from .engine import RunEvent

ACTIVE = ("queued", "running")


@dataclass
class CellRun:
    """What the cell header shows about runs of one cell."""

    status: str = "idle"  # idle | queued | running | finished | failed | cancelled
    started: float | None = None
    elapsed: float | None = None
    progress: float | None = None
    message: str = ""
    text: str = ""  # streamed so far, while running
    warnings: list[str] = field(default_factory=list)
    failure: "Error | None" = None
    """The last run's failure, shown with the cell beside its kept outputs until dismissed or a run succeeds."""

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def describe(self, now: float | None = None) -> str:
        if self.status == "running":
            seconds = (now or time.monotonic()) - (self.started or time.monotonic())
            parts = [f"running {seconds:.1f}s"]
            if self.progress is not None:
                parts.append(f"{self.progress:.0%}")
            if self.message:
                parts.append(self.message)
            return " ".join(parts)
        if self.status == "queued":
            return f"queued{' — ' + self.message if self.message else ''}"
        if self.status == "finished":
            return f"done {self.elapsed:.1f}s" if self.elapsed is not None else "done"
        if self.status == "failed":
            return "failed"
        if self.status == "cancelled":
            return "cancelled"
        return ""

    def queue(self, message: str) -> None:
        """A run was asked for: shown as queued until the engine says more."""
        self.status, self.message, self.text, self.progress = "queued", message, "", None

    def apply(self, event: "RunEvent") -> None:
        """The state after ``event`` (any of the engine's run events except text chunks, which only set ``text``)."""
        from .engine import (
            RunCancelled,
            RunFailed,
            RunFinished,
            RunNeedsConsent,
            RunProgress,
            RunQueued,
            RunStarted,
            RunWarning,
        )

        if isinstance(event, RunQueued):
            self.status = "queued"
            self.message = f"waiting for {event.waiting_for}" if event.waiting_for else "waiting"
        elif isinstance(event, RunStarted):
            self.status, self.started, self.text = "running", time.monotonic(), ""
            self.progress, self.message, self.warnings = None, "", []
        elif isinstance(event, RunProgress):
            self.progress, self.message = event.fraction, event.message
        elif isinstance(event, RunWarning):
            self.warnings.append(event.message)
        elif isinstance(event, RunFinished):
            self.status, self.elapsed, self.text, self.message = "finished", event.elapsed, "", ""
            self.failure = None
        elif isinstance(event, RunFailed):
            from .document import Error

            self.status, self.elapsed, self.text, self.message = "failed", event.elapsed, "", event.message
            # the cell keeps its outputs; the failure is shown beside them
            self.failure = event.error or Error(output_type="error", ename="Not run", evalue=event.message,
                                                traceback=[])
        elif isinstance(event, RunCancelled):
            self.status, self.elapsed, self.text, self.message = "cancelled", event.elapsed, "", ""
        elif isinstance(event, RunNeedsConsent):  # nothing ran; the caller asks and runs it again
            self.status, self.text, self.message = "idle", "", ""

    def settle(self) -> None:
        """A queued run that will not start after all (refused, or its run-all ended): back to idle."""
        if self.status == "queued":
            self.status, self.message = "idle", ""

    def dismiss_failure(self) -> bool:
        if self.failure is None:
            return False
        self.failure = None
        if self.status == "failed":
            self.status, self.message = "idle", ""
        return True


class RunStates:
    """The :class:`CellRun` of every cell that ran or was asked to, by cell identity."""

    def __init__(self) -> None:
        self._states: dict[int, tuple[Prompt, CellRun]] = {}

    def get(self, prompt: "Prompt") -> CellRun:
        """The cell's state (a fresh idle one, not kept, if it never ran)."""
        entry = self._states.get(id(prompt))
        return entry[1] if entry is not None and entry[0] is prompt else CellRun()

    def of(self, prompt: "Prompt") -> CellRun:
        """The cell's state, kept from now on (to change it)."""
        entry = self._states.get(id(prompt))
        if entry is None or entry[0] is not prompt:  # a new object at a freed address is a new cell
            entry = self._states[id(prompt)] = (prompt, CellRun())
        return entry[1]

    def known(self, prompt: "Prompt") -> CellRun | None:
        entry = self._states.get(id(prompt))
        return entry[1] if entry is not None and entry[0] is prompt else None

    def forget(self, prompt: "Prompt") -> None:
        if self.known(prompt) is not None:
            del self._states[id(prompt)]

    def active_count(self) -> int:
        return sum(1 for _, state in self._states.values() if state.active)

    def settle(self, prompts: Iterable["Prompt"], running: Callable[["Prompt"], bool]) -> None:
        """After a run-all: cells still shown as queued that are not running go back to idle."""
        for prompt in prompts:
            state = self.known(prompt)
            if state is not None and not running(prompt):
                state.settle()
