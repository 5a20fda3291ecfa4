"""Messages between the notebook/engine (any thread) and the widgets (UI thread).

Document and stream notifications coalesce: while one is waiting in the app's queue a newer one replaces it
(``can_replace``, the way toolong batches file-change messages), so a burst of edits or tokens costs one
redraw, not one per change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..document import Prompt
    from ..engine import RunEvent


class DocumentChanged(Message):
    """The notebook changed (edit, save, run outputs). Handlers re-read the notebook; ``background`` says the
    change came from a worker thread (a run's outputs), not from something the user just did."""

    def __init__(self, background: bool = False) -> None:
        super().__init__()
        self.background = background

    def can_replace(self, message: Message) -> bool:
        if not isinstance(message, DocumentChanged):
            return False
        self.background = self.background and message.background  # one of them was the user's: draw at once
        return True


class StreamFlush(Message):
    """Streamed text is waiting in the run controller's buffer."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StreamFlush)


class RunEventMessage(Message):
    """A non-text run event (queued, started, progress, warning, finished, failed, cancelled); ``prompt``: the
    cell its run belongs to (None: the run had ended when the event was looked up)."""

    def __init__(self, event: RunEvent, prompt: "Prompt | None" = None) -> None:
        super().__init__()
        self.event = event
        self.prompt = prompt


class ConsentNeeded(Message):
    """A run did not start: it needs the user's yes for ``items`` (``ConsentItem`` s). The app asks, then runs
    the cell again with them granted (``run_all``: the rest of run-all, from this cell)."""

    def __init__(self, prompt_name: str, items: tuple, with_deps: bool = False, run_all: bool = False,
                 prompt: "Prompt | None" = None) -> None:
        super().__init__()
        self.prompt = prompt
        self.prompt_name = prompt_name
        self.items = items
        self.with_deps = with_deps
        self.run_all = run_all


class RunRefused(Message):
    """A run could not start (already running, read-only, no such cell)."""

    def __init__(self, prompt_name: str, reason: str, prompt: "Prompt | None" = None) -> None:
        super().__init__()
        self.prompt = prompt
        self.prompt_name = prompt_name
        self.reason = reason
