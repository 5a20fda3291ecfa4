"""Running cells from the UI: one thread worker per run (group ``cell-<id>``), run-all as one ordered worker,
cancel for queued and running cells, and a per-cell status the widgets draw.

The engine calls :meth:`RunController._sink` from whatever thread runs the cell. Text chunks go into a buffer
that the UI drains at most ~30 times a second (one ``StreamFlush`` message in the queue at a time); every other
event is posted as a ``RunEventMessage``. Nothing here touches a widget from a worker thread.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from .messages import ConsentNeeded, RunEventMessage, RunRefused, StreamFlush

# The engine (its run-event dataclasses take ~10 ms to define) is imported by the first run, not at start-up:
# every use below is in code that runs cells or handles their events.
if TYPE_CHECKING:
    from textual.app import App

    from ..document import Error, Prompt
    from ..engine import RunEvent
    from ..notebook import Notebook

FLUSH_INTERVAL = 1 / 30
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


class RunController:
    def __init__(self, app: "App", notebook: "Notebook", on_change: Callable[["Prompt | None"], None],
                 on_event_change: Callable[["Prompt | None"], None] | None = None) -> None:
        self.app = app
        self.notebook = notebook
        self._on_change = on_change  # redraw one cell (None: only counts changed), after a user's command
        # the same after an engine event: the app may hold that redraw back while the user types (input_priority)
        self._on_event_change = on_event_change or on_change
        self._states: dict[int, CellRun] = {}
        self._pending_text: dict[str, str] = {}
        self._text_lock = threading.Lock()
        self._flush_posted = False
        self._last_flush = 0.0
        self._plan: list["Prompt"] = []  # run-all: cells still to run
        self._skipped: set[int] = set()
        self.granted: set = set()  # ConsentItems the user allowed for the rest of this session (files, addresses)
        notebook.when_engine_ready(lambda engine: engine.subscribe(self._sink))

    # -- state -----------------------------------------------------------------------------------------------

    def state(self, prompt: "Prompt") -> CellRun:
        return self._states.get(id(prompt)) or CellRun()

    def _state_mut(self, prompt: "Prompt") -> CellRun:
        return self._states.setdefault(id(prompt), CellRun())

    def active_count(self) -> int:
        return sum(1 for s in self._states.values() if s.active)

    def is_active(self, prompt: "Prompt") -> bool:
        return self.state(prompt).active or self.notebook.engine.is_running(prompt)

    def forget(self, prompt: "Prompt") -> None:
        self._states.pop(id(prompt), None)

    def dismiss_failure(self, prompt: "Prompt") -> bool:
        """Hide the cell's run error (its outputs were never touched by it). False if it shows none."""
        state = self._states.get(id(prompt))
        if state is None or state.failure is None:
            return False
        state.failure = None
        if state.status == "failed":
            state.status, state.message = "idle", ""
        self._on_change(prompt)
        return True

    # -- commands (UI thread) --------------------------------------------------------------------------------

    def run_cell(self, prompt: "Prompt", *, with_deps: bool = False, consent: tuple = ()) -> bool:
        """Run one cell; ``consent``: items the user just approved for this run."""
        if self.is_active(prompt):
            self.app.notify(f"Cell {prompt.name!r} is already running; cancel it first (i i).",
                            severity="warning", title="Not run")
            return False
        name = prompt.name
        state = self._state_mut(prompt)
        state.status, state.message, state.text, state.progress = "queued", "starting", "", None
        self._on_change(prompt)
        granted = (*self.granted, *consent)
        self.app.run_worker(lambda: self._work_one(name, with_deps, granted), thread=True,
                            group=f"cell-{id(prompt)}", name=f"run {name}", exit_on_error=False)
        return True

    def run_all(self, start: "Prompt | None" = None, consent: tuple = ()) -> bool:
        """Run every cell in order; ``start``/``consent``: go on from ``start`` after the user approved ``consent``."""
        if self._plan:
            self.app.notify("Run all is already in progress.", severity="warning")
            return False
        with self.notebook.lock:
            prompts = list(self.notebook.doc.prompts)
        busy = [p.name for p in prompts if self.is_active(p)]
        if busy:
            self.app.notify(f"Cells are running ({', '.join(busy[:3])}); wait or cancel them first.",
                            severity="warning", title="Not run")
            return False
        if not prompts:
            self.app.notify("There are no cells to run.")
            return False
        if start is not None:
            prompts = prompts[next((i for i, p in enumerate(prompts) if p is start), 0):]
        self._plan = prompts
        self._skipped = set()
        for prompt in prompts:
            state = self._state_mut(prompt)
            state.status, state.message, state.text, state.progress = "queued", "run all", "", None
        self._on_change(None)
        granted = (*self.granted, *consent)
        self.app.run_worker(lambda: self._work_all(granted), thread=True, group="run-all", name="run all",
                            exit_on_error=False)
        return True

    def cancel(self, prompt: "Prompt") -> bool:
        if self.notebook.engine.cancel(prompt):
            return True
        if any(p is prompt for p in self._plan) and id(prompt) not in self._skipped:
            self._skipped.add(id(prompt))
            self._state_mut(prompt).status = "cancelled"
            self._on_change(prompt)
            return True
        return False

    def cancel_all(self) -> None:
        self._skipped.update(id(p) for p in self._plan)
        self.notebook.engine.cancel_all()

    # -- workers (worker threads) ------------------------------------------------------------------------------

    def _work_one(self, name: str, with_deps: bool, granted: tuple = ()) -> None:
        from ..engine import AlreadyRunning

        try:
            outcome = self.notebook.engine.run(name, None, with_dependencies=with_deps, consent=granted)
            if outcome.status == "needs_consent":  # nothing ran: ask, and the answer runs it again
                self.app.post_message(ConsentNeeded(name, outcome.consent, with_deps=with_deps))
        except AlreadyRunning as exc:
            self.app.post_message(RunRefused(name, str(exc)))
        except KeyError as exc:
            self.app.post_message(RunRefused(name, str(exc)))

    def _work_all(self, granted: tuple = ()) -> None:
        from ..engine import AlreadyRunning

        try:
            for prompt in list(self._plan):
                if id(prompt) in self._skipped:
                    continue
                with self.notebook.lock:
                    if not any(p is prompt for p in self.notebook.doc.prompts):
                        continue
                    name = prompt.name
                try:
                    outcome = self.notebook.engine.run(name, consent=granted)
                except (AlreadyRunning, KeyError) as exc:
                    self.app.post_message(RunRefused(name, str(exc)))
                    break
                if outcome.status == "needs_consent":
                    self.app.post_message(ConsentNeeded(name, outcome.consent, run_all=True))
                if not outcome.ok:
                    break
        finally:
            # Posted, not called and waited for: while the app is closing, nothing would answer, and this
            # worker's thread (which the program joins at exit) would wait for ever.
            self.app.call_later(self._end_plan)

    def _end_plan(self) -> None:
        for prompt in self._plan:
            state = self._states.get(id(prompt))
            if state is not None and state.status == "queued" and not self.notebook.engine.is_running(prompt):
                state.status, state.message = "idle", ""
        self._plan = []
        self._skipped = set()
        self._on_event_change(None)

    # -- engine events ---------------------------------------------------------------------------------------

    def _sink(self, event: RunEvent) -> None:
        """Called from the run's thread: buffer text, post everything else."""
        from ..engine import TextChunk

        if isinstance(event, TextChunk):
            with self._text_lock:
                self._pending_text[event.prompt_name] = event.accumulated
                if self._flush_posted:
                    return
                self._flush_posted = True
            self.app.post_message(StreamFlush())
        else:
            self.app.post_message(RunEventMessage(event))

    def flush_requested(self) -> None:
        wait = self._last_flush + FLUSH_INTERVAL - time.monotonic()
        if wait > 0:
            self.app.set_timer(wait, self._flush)
        else:
            self._flush()

    def _flush(self) -> None:
        with self._text_lock:
            pending, self._pending_text = self._pending_text, {}
            self._flush_posted = False
        self._last_flush = time.monotonic()
        for name, text in pending.items():
            prompt = self._find(name)
            if prompt is None:
                continue
            state = self._state_mut(prompt)
            if state.status != "running":
                continue  # finished or cancelled meanwhile: the outputs are what counts now
            state.text = text
            self._on_event_change(prompt)

    def handle(self, event: RunEvent) -> None:
        from ..engine import (
            RunCancelled,
            RunFailed,
            RunFinished,
            RunNeedsConsent,
            RunProgress,
            RunQueued,
            RunStarted,
            RunWarning,
        )

        prompt = self._find(event.prompt_name)
        if prompt is None:
            return
        state = self._state_mut(prompt)
        if isinstance(event, RunQueued):
            state.status = "queued"
            state.message = f"waiting for {event.waiting_for}" if event.waiting_for else "waiting"
        elif isinstance(event, RunStarted):
            state.status, state.started, state.text = "running", time.monotonic(), ""
            state.progress, state.message, state.warnings = None, "", []
        elif isinstance(event, RunProgress):
            state.progress, state.message = event.fraction, event.message
        elif isinstance(event, RunWarning):
            state.warnings.append(event.message)
            self.app.notify(event.message, title=f"{event.prompt_name}: warning", severity="warning")
        elif isinstance(event, RunFinished):
            state.status, state.elapsed, state.text, state.message = "finished", event.elapsed, "", ""
            state.failure = None
        elif isinstance(event, RunFailed):
            from ..document import Error

            state.status, state.elapsed, state.text, state.message = "failed", event.elapsed, "", event.message
            # the cell keeps its outputs; the failure is shown beside them (Cell's failure panel)
            state.failure = event.error or Error(output_type="error", ename="Not run", evalue=event.message,
                                                 traceback=[])
        elif isinstance(event, RunCancelled):
            state.status, state.elapsed, state.text, state.message = "cancelled", event.elapsed, "", ""
        elif isinstance(event, RunNeedsConsent):  # nothing ran; the question follows (ConsentNeeded)
            state.status, state.text, state.message = "idle", "", ""
        self._on_event_change(prompt)

    def _find(self, name: str) -> "Prompt | None":
        with self.notebook.lock:
            for prompt in self.notebook.doc.prompts:
                if prompt.name == name:
                    return prompt
        return None

    # -- consent (UI thread) -------------------------------------------------------------------------------------

    def ask_consent(self, message: ConsentNeeded) -> None:
        """Show what the run needs approved; an approval runs it again with those items granted."""
        from .consent_dialog import ALWAYS, REFUSE, SESSION, ConsentScreen

        prompt = self._find(message.prompt_name)
        if prompt is None:
            return
        items = tuple(message.items)

        def answered(choice: str | None) -> None:
            if choice in (None, REFUSE):
                self.app.notify("Nothing was sent.", title=f"{message.prompt_name}: not run", severity="warning")
                return
            if choice == ALWAYS:
                if not self._remember(items):
                    return
            if choice in (ALWAYS, SESSION):
                from ..consent import CREDENTIAL

                self.granted.update(i for i in items if i.kind != CREDENTIAL)  # credentials: the store, or once
            if message.run_all:
                self.run_all(start=prompt, consent=items)
            else:
                self.run_cell(prompt, with_deps=message.with_deps, consent=items)

        self.app.push_screen(ConsentScreen(message.prompt_name, items, self.notebook.options.api_key_env), answered)

    def _remember(self, items: tuple) -> bool:
        from ..consent import CREDENTIAL
        from ..secrets import ApprovalStore

        store = ApprovalStore()
        try:
            for item in items:
                if item.kind == CREDENTIAL:
                    store.add(item.var, item.host)
        except OSError as exc:
            self.app.notify(f"Could not remember the approval: {exc}", title="Not run", severity="error")
            return False
        return True

    def refused(self, name: str, reason: str) -> None:
        prompt = self._find(name)
        if prompt is not None:
            state = self._state_mut(prompt)
            if state.status == "queued":
                state.status, state.message = "idle", ""
            self._on_event_change(prompt)
        self.app.notify(reason, title="Not run", severity="warning")
