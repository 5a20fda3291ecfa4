"""Run events: the one typed channel from running cells to whoever watches (UI thread, CLI, tests).

Events are emitted from worker threads. A consumer that owns a UI must hop to its own thread
(Textual: ``app.call_from_thread`` or ``post_message``) before touching widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Union

from ..document.models import Error, Output


@dataclass(frozen=True)
class RunEventBase:
    run_id: int
    prompt_name: str


@dataclass(frozen=True)
class RunQueued(RunEventBase):
    """Waiting for another run on the same local model to finish."""

    waiting_for: str = ""


@dataclass(frozen=True)
class RunStarted(RunEventBase):
    model_name: str = ""
    parser_id: str = ""
    resolved_prompt: str | None = None


@dataclass(frozen=True)
class RunProgress(RunEventBase):
    fraction: float | None = None  # None: indeterminate (e.g. loading a model)
    message: str = ""


@dataclass(frozen=True)
class TextChunk(RunEventBase):
    chunk: str = ""
    accumulated: str = ""


@dataclass(frozen=True)
class RunWarning(RunEventBase):
    message: str = ""


@dataclass(frozen=True)
class RunFinished(RunEventBase):
    outputs: tuple[Output, ...] = ()
    elapsed: float = 0.0


@dataclass(frozen=True)
class RunFailed(RunEventBase):
    message: str = ""
    error: Error | None = None  # what went wrong (never stored: the cell keeps its outputs); None: not run at all
    elapsed: float = 0.0


@dataclass(frozen=True)
class RunCancelled(RunEventBase):
    elapsed: float = 0.0


@dataclass(frozen=True)
class RunNeedsConsent(RunEventBase):
    """The run did not start: it needs the user's yes for ``items`` (:class:`tui_notebook.consent.ConsentItem`).
    Nothing was sent and nothing stored; the caller runs the cell again with the items granted."""

    items: tuple = ()
    message: str = ""


RunEvent = Union[RunQueued, RunStarted, RunProgress, TextChunk, RunWarning, RunFinished, RunFailed, RunCancelled,
                 RunNeedsConsent]
EventSink = Callable[[RunEvent], None]

TERMINAL_EVENTS = (RunFinished, RunFailed, RunCancelled, RunNeedsConsent)


@dataclass
class EventLog:
    """A sink that records events (handy for tests and headless runs)."""

    events: list[RunEvent] = field(default_factory=list)

    def __call__(self, event: RunEvent) -> None:
        self.events.append(event)

    def of_type(self, kind: type) -> list[RunEvent]:
        return [e for e in self.events if isinstance(e, kind)]
