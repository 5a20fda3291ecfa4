"""The run engine: resolve a cell, find its parser, run it with a cancel token, store the outputs.

Rules (issue "Foundation" §5):
* outputs are replaced only when a run succeeds, as one undoable step; a failure or a cancel keeps the
  previous outputs (nothing is written into the document): the failure is reported as an event and in the
  outcome, as an Error that is never stored;
* Error outputs a parser returns are stored with their message only (no traceback: it holds local paths);
* a cell that is already running (or queued) refuses a second run with a clear reason;
* a run that would send a credential, upload a file from outside the notebook's folder or fetch from a
  non-public address without the user's consent does not start: its outcome is ``needs_consent`` with the
  items to approve (:mod:`..consent`), and the caller runs it again with them granted;
* runs on the same local model (same ``resource_key``) queue one after another; remote runs do not;
* with ``RunOptions.local_process`` (the TUI), built-in local parsers run in the local model process
  (:mod:`.model_host`), so generation never holds this process's GIL;
* everything reaches observers as :mod:`.events`, from the thread that runs the cell.

The engine is UI-agnostic and thread-safe: it knows the document only through a :class:`.store.DocumentStore`,
which takes the document's lock for every read and for the outputs it writes back.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..consent import OUTSIDE_FILE, PRIVATE_URL, ConsentItem, NeedsConsent, gate_for, refusal_message
from ..document.models import Error, Output, Prompt
from ..parser_api import (
    CancelToken,
    Cancelled,
    ParserError,
    RunContext,
    RunOptions,
    RunRequest,
)
from .cancellable import call_cancellable
from .events import (
    EventSink,
    RunCancelled,
    RunEvent,
    RunFailed,
    RunFinished,
    RunNeedsConsent,
    RunProgress,
    RunQueued,
    RunStarted,
    RunWarning,
    TextChunk,
)
from .plan import RunPlan
from .store import DocumentStore
from .stored_errors import without_tracebacks


class AlreadyRunning(Exception):
    """A run was requested for a cell that is already running or queued."""

    def __init__(self, message: str, prompt_name: str = "") -> None:
        super().__init__(message)
        self.prompt_name = prompt_name


@dataclass
class RunOutcome:
    prompt_name: str
    status: str  # "finished" | "failed" | "cancelled" | "needs_consent"
    outputs: list[Output]
    message: str = ""
    error: Error | None = None
    """A failed run: what went wrong, as an Error (not stored in the cell; ``outputs`` are the kept ones)."""
    consent: tuple[ConsentItem, ...] = ()
    """With ``needs_consent``: what the user must approve; run again with ``consent=`` these to go on."""

    @property
    def ok(self) -> bool:
        return self.status == "finished"


class _Active:
    def __init__(self, run_id: int, prompt: Prompt, token: CancelToken) -> None:
        self.run_id = run_id
        self.prompt = prompt
        self.token = token


class Engine:
    def __init__(
        self,
        store: DocumentStore,
        options: RunOptions | None = None,
        on_event: EventSink | None = None,
    ) -> None:
        self.store = store
        self.options = options or RunOptions()
        self._sinks: list[EventSink] = [on_event] if on_event else []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._active: dict[int, _Active] = {}  # id(prompt object) -> active run
        self._resource_locks: dict[str, threading.Lock] = {}
        self._resource_owner: dict[str, str] = {}

    # -- observers ---------------------------------------------------------------------------------------

    def subscribe(self, sink: EventSink) -> None:
        self._sinks.append(sink)

    def unsubscribe(self, sink: EventSink) -> None:
        if sink in self._sinks:
            self._sinks.remove(sink)

    def _emit(self, event: RunEvent) -> None:
        for sink in list(self._sinks):
            try:
                sink(event)
            except Exception:  # noqa: BLE001 - an observer bug must not kill a run
                pass

    # -- state ---------------------------------------------------------------------------------------------

    def is_running(self, name_or_prompt: str | Prompt) -> bool:
        prompt = self._prompt(name_or_prompt) if isinstance(name_or_prompt, str) else name_or_prompt
        with self._lock:
            return prompt is not None and id(prompt) in self._active

    def running_names(self) -> list[str]:
        with self._lock:
            return [a.prompt.name for a in self._active.values()]

    def cancel(self, name_or_prompt: str | Prompt) -> bool:
        """Cancel a queued or running cell. Returns False if it was not running."""
        prompt = self._prompt(name_or_prompt) if isinstance(name_or_prompt, str) else name_or_prompt
        with self._lock:
            active = self._active.get(id(prompt)) if prompt is not None else None
        if active is None:
            return False
        active.token.cancel()
        return True

    def prompt_of(self, run_id: int) -> Prompt | None:
        """The cell a run in progress belongs to (None once it ended). Events carry the run id: an observer
        that looks the cell up here, from the thread that emits the event, finds it even if it was renamed."""
        with self._lock:
            return next((a.prompt for a in self._active.values() if a.run_id == run_id), None)

    def cancel_all(self) -> int:
        with self._lock:
            actives = list(self._active.values())
        for active in actives:
            active.token.cancel()
        return len(actives)

    # -- running -------------------------------------------------------------------------------------------

    def submit(self, name: str, params: Mapping[str, Any] | None = None, *, with_dependencies: bool = False,
               token: CancelToken | None = None, consent: Iterable[ConsentItem] = ()) -> "Future[RunOutcome]":
        """Start a run in a thread of its own; refuses at once (AlreadyRunning) if the cell is busy.
        ``consent``: items the user granted for this run (see :class:`RunOutcome`).

        The thread is a daemon (not a ThreadPoolExecutor's, which the interpreter joins at exit): a run still
        going when the program ends is abandoned, never waited for."""
        prompt = self._require_prompt(name)
        token = token or CancelToken()
        self._claim(prompt, token)  # refuse now, not later in the thread
        future: Future[RunOutcome] = Future()
        future.set_running_or_notify_cancel()
        granted = tuple(consent)

        def work() -> None:
            try:
                future.set_result(self._run_claimed(prompt, params, with_dependencies, token, granted))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
                future.set_exception(exc)

        threading.Thread(target=work, name=f"tuinb-run {prompt.name}", daemon=True).start()
        return future

    def run(self, name: str, params: Mapping[str, Any] | None = None, *, with_dependencies: bool = False,
            token: CancelToken | None = None, consent: Iterable[ConsentItem] = ()) -> RunOutcome:
        """Run a cell in the calling thread (blocking). Call it from a worker thread in a UI."""
        prompt = self._require_prompt(name)
        token = token or CancelToken()
        self._claim(prompt, token)
        return self._run_claimed(prompt, params, with_dependencies, token, tuple(consent))

    def run_all(self, params: Mapping[str, Any] | None = None, *, stop_on_error: bool = True,
                token: CancelToken | None = None, consent: Iterable[ConsentItem] = (),
                plan: RunPlan | None = None) -> list[RunOutcome]:
        """Run every cell in order (blocking), or the cells of ``plan`` that are not skipped by the time their turn
        comes. Stops at the first failure or cancel unless ``stop_on_error`` is False; raises AlreadyRunning
        when a cell of the plan is busy."""
        token = token or CancelToken()
        outcomes: list[RunOutcome] = []
        for prompt in plan if plan is not None else RunPlan(self.store.prompts()):
            if token.cancelled:
                break
            if not self._still_in_doc(prompt):
                continue
            self._claim(prompt, token)
            outcome = self._run_claimed(prompt, params, False, token, tuple(consent))
            outcomes.append(outcome)
            if outcome.status == "cancelled" or (stop_on_error and not outcome.ok):
                break
        return outcomes

    def prepare_local(self) -> bool:
        """If some cell runs a built-in local model in the local model process, start that process now and let
        it import its libraries, so the first run does not wait for them. True if it was started / asked."""
        if not self.options.local_process:
            return False
        libraries = {"diffusers" if getattr(parser, "uses_diffusers", False) else "transformers"
                     for parser in self.store.parsers() if self._hosted(parser)}
        if not libraries:
            return False
        from .model_host import shared_host

        shared_host().prestart(sorted(libraries))
        return True

    def shutdown(self) -> None:
        self.cancel_all()

    # -- internals -----------------------------------------------------------------------------------------

    def _prompt(self, name: str) -> Prompt | None:
        return self.store.find(name)

    def _require_prompt(self, name: str) -> Prompt:
        prompt = self._prompt(name)
        if prompt is None:
            raise KeyError(f"no prompt named {name!r}")
        return prompt

    def _claim(self, prompt: Prompt, token: CancelToken) -> int:
        with self._lock:
            if id(prompt) in self._active:
                raise AlreadyRunning(f"cell {prompt.name!r} is already running; cancel it first", prompt.name)
            run_id = next(self._ids)
            self._active[id(prompt)] = _Active(run_id, prompt, token)
            return run_id

    def _release(self, prompt: Prompt) -> None:
        with self._lock:
            self._active.pop(id(prompt), None)

    def _still_in_doc(self, prompt: Prompt) -> bool:
        return self.store.contains(prompt)

    def _run_claimed(self, prompt: Prompt, params: Mapping[str, Any] | None, with_dependencies: bool,
                     token: CancelToken, consent: tuple[ConsentItem, ...] = ()) -> RunOutcome:
        try:
            if with_dependencies:
                for dep in self._dependency_prompts(prompt):
                    if token.cancelled:
                        break
                    if self.is_running(dep):
                        raise_msg = f"dependency {dep.name!r} is already running"
                        return self._fail_without_storing(prompt, raise_msg)
                    self._claim(dep, token)
                    try:
                        outcome = self._run_one(dep, params, token, consent)
                    finally:
                        self._release(dep)
                    if outcome.status == "cancelled":
                        return self._cancelled_before_start(prompt)
                    if outcome.status == "needs_consent":
                        return self._needs_consent(prompt, self._active_id(prompt), outcome.consent)
                    if not outcome.ok:
                        return self._fail_without_storing(
                            prompt, f"dependency {dep.name!r} failed: {outcome.message}")
            if token.cancelled:
                return self._cancelled_before_start(prompt)
            return self._run_one(prompt, params, token, consent)
        finally:
            self._release(prompt)

    def _dependency_prompts(self, prompt: Prompt) -> list[Prompt]:
        return self.store.dependencies(prompt)

    def _active_id(self, prompt: Prompt) -> int:
        with self._lock:
            active = self._active.get(id(prompt))
            return active.run_id if active else 0

    def _fail_without_storing(self, prompt: Prompt, message: str) -> RunOutcome:
        self._emit(RunFailed(self._active_id(prompt), prompt.name, message=message, error=None))
        return RunOutcome(prompt.name, "failed", list(prompt.outputs or []), message)

    def _cancelled_before_start(self, prompt: Prompt) -> RunOutcome:
        self._emit(RunCancelled(self._active_id(prompt), prompt.name))
        return RunOutcome(prompt.name, "cancelled", list(prompt.outputs or []), "cancelled")

    def _needs_consent(self, prompt: Prompt, run_id: int, items: Iterable[ConsentItem]) -> RunOutcome:
        """Nothing ran and nothing is stored: the caller asks the user, then runs again with the items granted."""
        items = tuple(dict.fromkeys(items))
        message = self._redact(refusal_message(prompt.name, items))
        self._emit(RunNeedsConsent(run_id, prompt.name, items=items, message=message))
        return RunOutcome(prompt.name, "needs_consent", list(prompt.outputs or []), message, consent=items)

    def _prepare(self, prompt: Prompt, params: Mapping[str, Any] | None,
                 consent: tuple[ConsentItem, ...] = ()) -> tuple[Any, RunRequest]:
        """Everything the parser needs, computed by the store from one consistent snapshot."""
        return self.store.prepare(prompt, params, self.options, gate_for(self.options, consent))

    def _acquire_resource(self, key: str, run_id: int, prompt: Prompt, token: CancelToken) -> threading.Lock:
        with self._lock:
            lock = self._resource_locks.setdefault(key, threading.Lock())
        if lock.acquire(blocking=False):
            with self._lock:
                self._resource_owner[key] = prompt.name
            return lock
        with self._lock:
            owner = self._resource_owner.get(key, "")
        self._emit(RunQueued(run_id, prompt.name, waiting_for=owner))
        while not lock.acquire(timeout=0.05):
            token.raise_if_cancelled()
        with self._lock:
            self._resource_owner[key] = prompt.name
        return lock

    def _run_one(self, prompt: Prompt, params: Mapping[str, Any] | None, token: CancelToken,
                 consent: tuple[ConsentItem, ...] = ()) -> RunOutcome:
        run_id = self._active_id(prompt)
        started = time.monotonic()
        name = prompt.name
        held: threading.Lock | None = None
        try:
            parser, request = self._prepare(prompt, params, consent)
            missing = self._consent_missing(parser, request)
            if missing:
                return self._needs_consent(prompt, run_id, missing)
            unknown = [] if parser.reports_unknown_settings else parser.unknown_settings(request.settings)
            for key in unknown:
                self._emit(RunWarning(run_id, name, f"setting {key!r} is not used by {parser.label or parser.id}"))
            resource = parser.resource_key(request)
            if resource:
                held = self._acquire_resource(resource, run_id, prompt, token)
            token.raise_if_cancelled()
            self._emit(RunStarted(run_id, name, request.model_name, parser.id, request.prompt_text))
            ctx = RunContext(
                token,
                on_text=lambda chunk, acc: self._emit(TextChunk(run_id, name, chunk, acc)),
                on_progress=lambda frac, msg: self._emit(RunProgress(run_id, name, frac, self._redact(msg))),
                on_warning=lambda msg: self._emit(RunWarning(run_id, name, self._redact(msg))),
            )
            if self.options.local_process and self._hosted(parser):
                from .model_host import shared_host

                def call() -> list[Output]:
                    return list(shared_host().run(parser, request, ctx))
            else:
                def call() -> list[Output]:
                    return list(parser.run(request, ctx))
            # A cancel ends the run at once even while the parser is stuck; a held local model is let go
            # only when the parser has really stopped, so the next queued run never overlaps it.
            after, held = (held.release if held is not None else None), None
            outputs = call_cancellable(call, token, name=f"tuinb-parser {name}", after=after)
            token.raise_if_cancelled()
        except Cancelled:
            self._emit(RunCancelled(run_id, name, elapsed=time.monotonic() - started))
            return RunOutcome(name, "cancelled", list(prompt.outputs or []), "cancelled")
        except NeedsConsent as exc:  # a parser reached for something the check above did not foresee
            return self._needs_consent(prompt, run_id, exc.items)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none replaces the outputs
            return self._failed(prompt, run_id, exc, time.monotonic() - started)
        finally:
            if held is not None:
                held.release()
        outputs = without_tracebacks(outputs)
        self.store.replace_outputs(prompt, outputs)
        elapsed = time.monotonic() - started
        self._emit(RunFinished(run_id, name, tuple(outputs), elapsed))
        return RunOutcome(name, "finished", outputs)

    @staticmethod
    def _hosted(parser: Any) -> bool:
        """Built-in local parsers run in the local model process (``RunOptions.local_process``); parsers from
        a notebook's model_parsers.py stay here, since that process only knows tuinb's own parsers."""
        from .model_host import hosted

        return hosted(parser)

    def _consent_missing(self, parser: Any, request: RunRequest) -> list[ConsentItem]:
        """What this run would do that the user has not agreed to: send a credential to a host, upload a file
        from outside the notebook's folder (remote cells only; local parsers read files in place), fetch an
        attachment from a non-public address."""
        gate = request.gate
        missing: list[ConsentItem] = []
        for var, url in parser.credential_uses(request):
            item = gate.credential_item(var, url)
            if item is not None:
                missing.append(item)
        if request.attachments and not parser.local and not self.options.allow_outside_files:
            from ..media.attachments import outside_files

            outside = [p for p in outside_files(request.attachments, request.notebook_dir)
                       if ConsentItem(OUTSIDE_FILE, str(p)) not in gate.granted]
            ask = self.options.confirm_outside_files  # the older callback form of the same question
            if outside and not (ask is not None and ask(request.prompt_name, outside)):
                missing += [ConsentItem(OUTSIDE_FILE, str(p)) for p in outside]
        if request.attachments and not gate.allow_private_urls:
            from ..addresses import non_public_host

            for url in _attachment_urls(request.attachments):
                host = non_public_host(url)
                if host is not None and not gate.address_allowed(host):
                    missing.append(ConsentItem(PRIVATE_URL, host))
        return list(dict.fromkeys(missing))

    def _failed(self, prompt: Prompt, run_id: int, exc: BaseException, elapsed: float) -> RunOutcome:
        """Report a failed run. The cell keeps its outputs: a run that fails (offline, a bad token, a model that
        cannot load) must not destroy what the last good run produced."""
        from .model_host import RemoteError

        message = self._redact(str(exc) or type(exc).__name__)
        ename = type(exc).__name__
        if isinstance(exc, ParserError):
            lines: list[str] = []  # a user-actionable message needs no stack
        elif isinstance(exc, RemoteError):  # failed in the local model process: its class name and stack
            ename = exc.ename
            lines = [self._redact(line) for line in exc.traceback_lines]
        else:
            lines = [self._redact(line) for line in traceback.format_exception(exc)]
        error = Error(output_type="error", ename=ename, evalue=message, traceback=lines)
        self._emit(RunFailed(run_id, prompt.name, message=message, error=error, elapsed=elapsed))
        return RunOutcome(prompt.name, "failed", list(prompt.outputs or []), message, error)

    def _redact(self, text: str) -> str:
        """Tokens never reach a message, an output or a log."""
        from .. import secrets

        return secrets.redact(text, self._secrets())

    def _secrets(self) -> list[str]:
        from .. import secrets

        names = [*self.options.extra.get("secret_env_vars", ()), self.options.api_key_env]
        return secrets.known_secrets(self.options.hf_token, env_vars=names)


def _attachment_urls(attachments: Iterable[Any]) -> list[str]:
    """The http(s) URLs among attachment sources (``{kind: file_uri, value}`` or a bare string)."""
    urls = []
    for attachment in attachments:
        data = getattr(attachment, "data", attachment)
        value = data if isinstance(data, str) else getattr(data, "value", None)
        if isinstance(data, dict):
            value = data.get("value")
        if isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
            urls.append(value.strip())
    return urls
