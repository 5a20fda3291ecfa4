"""Document -> engine -> parser -> outputs: resolve, schedule and run cells."""

from .engine import AlreadyRunning, Engine, RunOutcome
from .events import (
    EventLog,
    RunCancelled,
    RunEvent,
    RunFailed,
    RunFinished,
    RunNeedsConsent,
    RunProgress,
    RunQueued,
    RunStarted,
    RunWarning,
    TERMINAL_EVENTS,
    TextChunk,
)

__all__ = [
    "AlreadyRunning", "Engine", "EventLog", "RunCancelled", "RunEvent", "RunFailed", "RunFinished", "RunOutcome",
    "RunNeedsConsent", "RunProgress", "RunQueued", "RunStarted", "RunWarning", "TERMINAL_EVENTS", "TextChunk",
]
