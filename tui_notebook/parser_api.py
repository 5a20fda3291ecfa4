"""What a model parser is: the contract between the engine and every parser (built-in or user-registered).

A parser is a small object that knows one kind of model call. It declares its settings as JSON Schema (the
sidebar form is generated from it), how its prompt text is found, how its outputs read as text for
``{{cell.output}}``, and how to run. ``run`` is synchronous and is always called in a worker thread; it
reports streamed text and progress through the :class:`RunContext` and must call ``ctx.check_cancelled()``
between tokens / steps so cancellation is prompt.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Literal, Mapping, Sequence

from .document.models import (
    AIConfig,
    Attachment,
    Error,
    ExecuteResult,
    Output,
    OutputDataWithStringValue,
    Prompt,
    PromptInput,
)

InputKind = Literal["text", "attachments"]


class Cancelled(Exception):
    """Raised inside a run when its cancel token is set."""


class ParserError(Exception):
    """A run failed for a reason the user can act on; the message is shown as is (no traceback noise)."""


class NotRunnable(ParserError):
    """This cell cannot run here (unknown parser, untrusted code, missing dependency)."""


class CancelToken:
    """Set from any thread; checked by the run between tokens / steps."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self) -> None:
        """Set the token and start its hooks, each in a daemon thread of its own: whoever cancels (the UI
        thread) never waits for a hook, and a hook stuck on a lock a blocked read holds delays no other."""
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            threading.Thread(target=_run_hook, args=(callback,), name="tuinb-cancel-hook", daemon=True).start()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when cancelled (in a thread of its own), or now in this thread if already
        cancelled; e.g. to shut down a socket a read is blocked on."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking early on cancel. Returns True if cancelled."""
        return self._event.wait(timeout)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def _run_hook(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:  # noqa: BLE001 - a failing hook must not stop the cancel
        pass


@dataclass
class RunOptions:
    """Choices made by whoever starts the run (command line, UI), not stored in the notebook."""

    stream: bool = True
    allow_trust_remote_code: bool = False
    media_as_files: bool = False
    hf_token: str | None = None
    allow_outside_files: bool = False
    """Send local attachment files from outside the notebook's folder to remote endpoints without asking."""
    confirm_outside_files: Callable[[str, list[Path]], bool] | None = None
    """Called from the run's thread with (cell name, files) before such files go to a remote endpoint;
    True lets the run go on. None (headless): refuse, pointing at ``--allow-outside-files``."""
    allowed_credentials: frozenset[str] = frozenset()
    """``VAR@HOST`` pairs that may carry a credential without asking (``tuinb run --allow-credential``)."""
    allow_private_urls: bool = False
    """Fetch URL attachments from loopback / private / link-local addresses without asking."""
    api_key_env: str = "OPENAI_API_KEY"
    """The variable an OpenAI-compatible cell reads its key from when it names none (config ``api_key_env``)."""
    local_process: bool = False
    """Run built-in local (transformers / diffusers) parsers in the shared local model process
    (:mod:`tui_notebook.engine.model_host`) instead of this one, so generating never holds this process's
    GIL. The TUI turns it on; ``TUINB_LOCAL_PROCESS=0`` in the environment overrides it."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunRequest:
    """Everything a parser needs for one run, already resolved by the engine."""

    prompt_name: str
    model_name: str
    prompt_text: str | None
    attachments: list[Attachment]
    settings: dict[str, Any]
    notebook_dir: Path
    options: RunOptions
    prompt: Prompt
    #: The notebook file, when it has one: media written with ``RunOptions.media_as_files`` go to
    #: ``<notebook stem>.media/`` beside it. None (unsaved notebook): ``notebook_dir/untitled.media/``.
    notebook_path: Path | None = None
    #: What this run may send and fetch (:class:`tui_notebook.consent.RunGate`): parsers get credentials and
    #: non-public addresses only through it. The engine builds one per run with what the user granted; by
    #: default it grants only what ``options`` allows.
    gate: Any = None

    def __post_init__(self) -> None:
        if self.gate is None:
            from .consent import gate_for

            self.gate = gate_for(self.options)


class RunContext:
    """The parser's only channel back to the engine while it runs (thread-safe)."""

    def __init__(
        self,
        token: CancelToken,
        on_text: Callable[[str, str], None] | None = None,
        on_progress: Callable[[float | None, str], None] | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.token = token
        self._on_text = on_text
        self._on_progress = on_progress
        self._on_warning = on_warning
        self.accumulated = ""

    def check_cancelled(self) -> None:
        self.token.raise_if_cancelled()

    def stream(self, chunk: str) -> None:
        """Report a newly generated piece of text (the accumulated text is kept here)."""
        self.token.raise_if_cancelled()
        if not chunk:
            return
        self.accumulated += chunk
        if self._on_text:
            self._on_text(chunk, self.accumulated)

    def progress(self, fraction: float | None, message: str = "") -> None:
        """``fraction`` in [0, 1] or None when unknown (e.g. "loading model"). Dropped once cancelled: the
        run has ended for its observers, even if the parser has not noticed yet."""
        if self._on_progress and not self.token.cancelled:
            self._on_progress(fraction, message)

    def warn(self, message: str) -> None:
        if self._on_warning and not self.token.cancelled:
            self._on_warning(message)


def default_output_text(output: Output | None) -> str:
    """``{{p.output}}`` text as the Hugging Face parsers compute it (spec §4.2, and their code)."""
    if output is None or isinstance(output, Error):
        return ""
    data = output.data
    if isinstance(data, str):
        return data
    if isinstance(data, OutputDataWithStringValue):
        return data.value
    return sdk_json_dumps(data)


def sdk_json_dumps(data: Any) -> str:
    """``json.dumps(data, indent=2)`` as the SDK parsers call it on raw output data.

    Their output models (``{kind: tool_calls}`` and the like) are not JSON serialisable there, so the SDK raises;
    we raise the same way, so a later prompt that references this one fails exactly as it would in the SDK.
    """
    if hasattr(data, "model_dump"):
        raise ParserError(f"Object of type {type(data).__name__} is not JSON serializable")
    try:
        return json.dumps(data, indent=2)
    except TypeError as exc:  # e.g. a list of tool-call models
        raise ParserError(str(exc)) from None


def text_template(prompt: Prompt) -> str | None:
    """The prompt's template text: ``input`` when a string, else ``input.data`` when a string."""
    if isinstance(prompt.input, str):
        return prompt.input
    if isinstance(prompt.input, PromptInput) and isinstance(prompt.input.data, str):
        return prompt.input.data
    return None


class ModelParser:
    """Base class for parsers. Subclasses set the class attributes and implement :meth:`run`."""

    #: Registry id (the SDK's ``id()``), e.g. ``HuggingFaceTextGenerationRemoteInference``.
    id: ClassVar[str] = ""
    #: Hugging Face task, e.g. ``text-generation``; informational and used by the model picker.
    task: ClassVar[str] = ""
    #: Human label for pickers, e.g. ``Text Generation``.
    label: ClassVar[str] = ""
    input_kind: ClassVar[InputKind] = "text"
    #: MIME prefixes accepted as attachments (``("audio/",)``), for attachment parsers.
    accepts: ClassVar[tuple[str, ...]] = ()
    #: JSON Schema (type object) of the settings; drives the sidebar form and unknown-setting warnings.
    settings_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
    default_model: ClassVar[str | None] = None
    #: True if runs use this machine's CPU/GPU (runs on the same local model are queued).
    local: ClassVar[bool] = False
    #: True when a non-string input object makes template lookup raise (the SDK's ParameterizedModelParser).
    parameterized: ClassVar[bool] = True
    #: Short description for pickers and help.
    description: ClassVar[str] = ""
    #: True when ``run`` itself warns about settings it does not use (then the engine does not, to avoid
    #: saying it twice).
    reports_unknown_settings: ClassVar[bool] = False

    # -- templates and outputs --------------------------------------------------------------------------

    def prompt_template(self, prompt: Prompt) -> str | None:
        """The text that gets templated. Raises ParserError where the SDK's parser would raise."""
        template = text_template(prompt)
        if template is None and self.parameterized:
            raise ParserError(f"Cannot get prompt template string from prompt input: {prompt.input!r}")
        return template

    def output_text(self, output: Output | None) -> str:
        return default_output_text(output)

    # -- settings -------------------------------------------------------------------------------------------

    def known_settings(self) -> set[str]:
        return set(self.settings_schema.get("properties", {}))

    def unknown_settings(self, settings: Mapping[str, Any]) -> list[str]:
        """Setting keys this parser would ignore (reported to the user, never silently dropped)."""
        known = {k.lower() for k in self.known_settings()} | {"model"}
        if self.settings_schema.get("additionalProperties", False) is not False:
            return []
        return [k for k in settings if k.lower() not in known]

    def model_id(self, request: RunRequest) -> str | None:
        """Which model runs: ``settings.model`` if set, else the parser's default."""
        value = request.settings.get("model")
        if isinstance(value, str) and value.strip():
            return value.strip()
        return self.default_model

    def resource_key(self, request: RunRequest) -> str | None:
        """Runs that share a key never overlap (same local model). None: no limit (remote calls)."""
        if not self.local:
            return None
        return f"{self.id}:{self.model_id(request)}"

    def credential_uses(self, request: RunRequest) -> Sequence[tuple[str, str]]:
        """(credential name, URL) pairs this run would send: the engine asks the user about any the user has not
        approved before the run starts. The parser still gets each value only from ``request.gate``."""
        return ()

    def destination(self, request: RunRequest) -> str | None:
        """The URL a remote run sends its request to, for the cell header (None: local, or not known)."""
        return None

    # -- running --------------------------------------------------------------------------------------------

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Output]:
        raise NotRunnable(f"parser {self.id!r} cannot run")


class UnknownParser(ModelParser):
    """Stands in for a model name with no registered parser: the cell shows, resolves and saves, never runs.

    Template and output rules are the SDK's generic ones, so later cells that chain from this one still resolve
    exactly as the SDK would with that parser registered.
    """

    parameterized = True

    def __init__(self, name: str, reason: str) -> None:
        self._name = name
        self.reason = reason

    @property
    def id(self) -> str:  # type: ignore[override]
        return self._name

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Output]:
        raise NotRunnable(self.reason)


def text_output(text: str, index: int = 0, metadata: dict[str, Any] | None = None) -> ExecuteResult:
    return ExecuteResult(output_type="execute_result", execution_count=index, data=text, metadata=metadata or {})


def media_output(
    value: str, mime_type: str, index: int = 0, *, kind: str = "base64", metadata: dict[str, Any] | None = None
) -> ExecuteResult:
    return ExecuteResult(
        output_type="execute_result",
        execution_count=index,
        data=OutputDataWithStringValue(kind=kind, value=value),  # type: ignore[arg-type]
        mime_type=mime_type,
        metadata=metadata or {},
    )


def error_output(exc: BaseException, traceback_lines: list[str] | None = None) -> Error:
    return Error(output_type="error", ename=type(exc).__name__, evalue=str(exc), traceback=traceback_lines or [])


__all__ = [
    "AIConfig", "CancelToken", "Cancelled", "InputKind", "ModelParser", "NotRunnable", "ParserError",
    "RunContext", "RunOptions", "RunRequest", "UnknownParser", "default_output_text", "error_output",
    "media_output", "text_output", "text_template",
]
