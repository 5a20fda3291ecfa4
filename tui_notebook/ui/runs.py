"""Running cells from the UI: one thread worker per run (group ``cell-<id>``), run-all as one ordered worker on
the engine's plan, cancel for queued and running cells, and the per-cell run states (:mod:`..run_state`) the
widgets draw.

The controller holds the notebook's :class:`~tui_notebook.session.Session`: it runs and cancels through it and
keeps its cells' states in the session's run states. The session calls :meth:`RunController._sink` from whatever
thread runs the cell, with the cell the event's run belongs to (found by run id, so a cell renamed while it runs
keeps its events). Text chunks go into a buffer that the UI drains at most ~30 times a second (one
``StreamFlush`` message in the queue at a time); every other event is posted as a ``RunEventMessage``. Nothing
here touches a widget from a worker thread.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Callable

from ..run_state import ACTIVE, CellRun
from .messages import ConsentNeeded, RunEventMessage, RunRefused, StreamFlush

# The engine (its run-event dataclasses take ~10 ms to define) is imported by the first run, not at start-up:
# every use below is in code that runs cells or handles their events.
if TYPE_CHECKING:
    from textual.app import App

    from ..document import Prompt
    from ..engine import RunEvent
    from ..engine.plan import RunPlan
    from ..session import Session, SessionEvent

__all__ = ["ACTIVE", "CellRun", "RunController"]

FLUSH_INTERVAL = 1 / 30


class RunController:
    def __init__(self, app: "App", session: "Session", on_change: Callable[["Prompt | None"], None],
                 on_event_change: Callable[["Prompt | None"], None] | None = None) -> None:
        self.app = app
        self.session = session
        self.notebook = session.notebook
        self._on_change = on_change  # redraw one cell (None: only counts changed), after a user's command
        # the same after an engine event: the app may hold that redraw back while the user types (input_priority)
        self._on_event_change = on_event_change or on_change
        self.states = session.runs  # the session's run states: this controller applies events to them
        self._pending_text: dict[int, tuple["Prompt", str]] = {}
        self._text_lock = threading.Lock()
        self._flush_posted = False
        self._last_flush = 0.0
        self._plan: "RunPlan | None" = None  # run-all in progress
        self.granted: set = set()  # ConsentItems the user allowed for the rest of this session (files, addresses)
        session.subscribe(self._sink)

    # -- state -----------------------------------------------------------------------------------------------

    def state(self, prompt: "Prompt") -> CellRun:
        return self.states.get(prompt)

    def active_count(self) -> int:
        return self.states.active_count()

    def is_active(self, prompt: "Prompt") -> bool:
        return self.state(prompt).active or self.session.is_running(prompt)

    def forget(self, prompt: "Prompt") -> None:
        self.states.forget(prompt)

    def dismiss_failure(self, prompt: "Prompt") -> bool:
        """Hide the cell's run error (its outputs were never touched by it). False if it shows none."""
        state = self.states.known(prompt)
        if state is None or not state.dismiss_failure():
            return False
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
        self.states.of(prompt).queue("starting")
        self._on_change(prompt)
        granted = (*self.granted, *consent)
        self.app.run_worker(lambda: self._work_one(prompt, name, with_deps, granted), thread=True,
                            group=f"cell-{id(prompt)}", name=f"run {name}", exit_on_error=False)
        return True

    def run_all(self, start: "Prompt | None" = None, consent: tuple = ()) -> bool:
        """Run every cell in order; ``start``/``consent``: go on from ``start`` after the user approved ``consent``."""
        if self._plan is not None:
            self.app.notify("Run all is already in progress.", severity="warning")
            return False
        prompts = self.session.prompts()
        busy = [p.name for p in prompts if self.is_active(p)]
        if busy:
            self.app.notify(f"Cells are running ({', '.join(busy[:3])}); wait or cancel them first.",
                            severity="warning", title="Not run")
            return False
        if not prompts:
            self.app.notify("There are no cells to run.")
            return False
        from ..engine.plan import RunPlan

        plan = self._plan = RunPlan(prompts, start)
        for prompt in plan.prompts:
            self.states.of(prompt).queue("run all")
        self._on_change(None)
        granted = (*self.granted, *consent)
        self.app.run_worker(lambda: self._work_all(plan, granted), thread=True, group="run-all", name="run all",
                            exit_on_error=False)
        return True

    def cancel(self, prompt: "Prompt") -> bool:
        if self.session.cancel(prompt):
            return True
        if self._plan is not None and self._plan.skip(prompt):
            self.states.of(prompt).status = "cancelled"
            self._on_change(prompt)
            return True
        return False

    def cancel_all(self) -> None:
        if self._plan is not None:
            self._plan.skip_all()
        self.session.cancel_all()

    # -- workers (worker threads) ------------------------------------------------------------------------------

    def _work_one(self, prompt: "Prompt", name: str, with_deps: bool, granted: tuple = ()) -> None:
        from ..engine import AlreadyRunning

        try:
            outcome = self.session.run(name, None, with_dependencies=with_deps, consent=granted)
            if outcome.status == "needs_consent":  # nothing ran: ask, and the answer runs it again
                self.app.post_message(ConsentNeeded(name, outcome.consent, with_deps=with_deps, prompt=prompt))
        except AlreadyRunning as exc:
            self.app.post_message(RunRefused(name, str(exc), prompt=prompt))
        except KeyError as exc:
            self.app.post_message(RunRefused(name, str(exc), prompt=prompt))

    def _work_all(self, plan: "RunPlan", granted: tuple = ()) -> None:
        from ..engine import AlreadyRunning

        try:
            try:
                outcomes = self.session.run_all(plan, consent=granted)
            except AlreadyRunning as exc:
                self.app.post_message(RunRefused(exc.prompt_name, str(exc)))
                return
            last = outcomes[-1] if outcomes else None
            if last is not None and last.status == "needs_consent":
                prompt = next((p for p in plan.prompts if p.name == last.prompt_name), None)
                self.app.post_message(ConsentNeeded(last.prompt_name, last.consent, run_all=True, prompt=prompt))
        finally:
            # Posted, not called and waited for: while the app is closing, nothing would answer, and this
            # worker's thread (which the program joins at exit) would wait for ever.
            self.app.call_later(self._end_plan, plan)

    def _end_plan(self, plan: "RunPlan") -> None:
        self.states.settle(plan.prompts, self.session.is_running)
        if self._plan is plan:
            self._plan = None
        self._on_event_change(None)

    # -- engine events ---------------------------------------------------------------------------------------

    def _sink(self, change: "SessionEvent") -> None:
        """Called from the run's thread with each run event and its cell: buffer text, post the rest. (Document
        changes reach the app through the notebook's own listener.)"""
        from ..session import CellEvent

        if not isinstance(change, CellEvent):
            return
        from ..engine import TextChunk

        prompt, event = change.prompt, change.event
        if isinstance(event, TextChunk):
            if prompt is None:
                return
            with self._text_lock:
                self._pending_text[id(prompt)] = (prompt, event.accumulated)
                if self._flush_posted:
                    return
                self._flush_posted = True
            self.app.post_message(StreamFlush())
        else:
            self.app.post_message(RunEventMessage(event, prompt))

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
        for prompt, text in pending.values():
            if not self._in_notebook(prompt):
                continue
            state = self.states.of(prompt)
            if state.status != "running":
                continue  # finished or cancelled meanwhile: the outputs are what counts now
            state.text = text
            self._on_event_change(prompt)

    def handle(self, event: RunEvent, prompt: "Prompt | None" = None) -> None:
        """Apply ``event`` to its cell's state (``prompt``: the cell its run belongs to, found by the sink)."""
        from ..engine import RunWarning

        if prompt is None:  # the run had ended when its event was looked up: its cell by name
            prompt = self._find(event.prompt_name)
        elif not self._in_notebook(prompt):
            return  # deleted meanwhile
        if prompt is None:
            return
        self.states.of(prompt).apply(event)
        if isinstance(event, RunWarning):
            self.app.notify(event.message, title=f"{event.prompt_name}: warning", severity="warning")
        self._on_event_change(prompt)

    def _in_notebook(self, prompt: "Prompt") -> bool:
        return self.session.contains(prompt)

    def _find(self, name: str) -> "Prompt | None":
        return self.session.find(name)

    # -- consent (UI thread) -------------------------------------------------------------------------------------

    def ask_consent(self, message: ConsentNeeded) -> None:
        """Show what the run needs approved; an approval runs it again with those items granted."""
        from .consent_dialog import ALWAYS, REFUSE, SESSION, ConsentScreen

        prompt = message.prompt if message.prompt is not None and self._in_notebook(message.prompt) else None
        prompt = prompt or self._find(message.prompt_name)
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

    def refused(self, name: str, reason: str, prompt: "Prompt | None" = None) -> None:
        prompt = prompt if prompt is not None and self._in_notebook(prompt) else self._find(name)
        if prompt is not None:
            self.states.of(prompt).settle()
            self._on_event_change(prompt)
        self.app.notify(reason, title="Not run", severity="warning")
