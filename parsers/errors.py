"""Turning failures of remote calls into clear cell errors, retrying busy servers, and hiding tokens.

Everything a remote parser raises goes through :func:`explain` so the cell shows one actionable sentence
instead of an httpx traceback, and through :func:`redact` so no access token ever reaches the screen or a
saved notebook (error outputs are saved). Only the standard library is imported here: the exception
classes of httpx2 / huggingface_hub are recognised by name, so importing this module stays free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from tui_notebook.parser_api import Cancelled, NotRunnable, ParserError, RunContext
from tui_notebook.consent import NeedsConsent
from tui_notebook.secrets import known_secrets, redact  # noqa: F401 - the one token list and redactor, re-exported
from tui_notebook.secrets import DEFAULT_API_KEY_VAR, destination, is_hf_host

T = TypeVar("T")

TOKEN_HELP = (
    "set the HF_TOKEN environment variable, run `hf auth login`, or use the app's token setting "
    "(tokens are never stored in the notebook)"
)


def token_help(url: str | None) -> str | None:
    """What applies to credentials for a request to ``url`` when that is not Hugging Face (None: it is, or
    unknown, and :data:`TOKEN_HELP` applies)."""
    dest = destination(url) if url else None
    if dest is None or is_hf_host(dest):
        return None
    return (f"the Hugging Face token is sent only to Hugging Face's hosts, or to {dest.key} once you approve it "
            f"(the app asks; `tuinb run --allow-credential HF_TOKEN@{dest.key}`); for a server with an "
            f"OpenAI-compatible API use the OpenAI-compatible chat model, whose key comes from the variable "
            f"settings.api_key_env names ({DEFAULT_API_KEY_VAR} by default)")


class RetryableError(ParserError):
    """The server is busy (429) or still loading the model (503): worth waiting and trying again."""

    def __init__(self, message: str, wait: float | None) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass
class HttpFailure:
    """What we could learn from an HTTP error, whatever library raised it."""

    status: int
    headers: dict[str, str]
    body: str


def _http_failure(exc: BaseException) -> HttpFailure | None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            try:
                body = response.text  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001 - a streamed body may be unreadable
                body = ""
            headers = {k.lower(): v for k, v in dict(getattr(response, "headers", {}) or {}).items()}
            return HttpFailure(status, headers, body or "")
        if isinstance(getattr(exc, "status", None), int) and isinstance(exc, HttpStatusError):
            return HttpFailure(exc.status, exc.headers, exc.body)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return None


class HttpStatusError(Exception):
    """Raised by our own HTTP code (the OpenAI-compatible parser) for a non-2xx response."""

    def __init__(self, status: int, headers: dict[str, str], body: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body


def _server_message(body: str) -> str:
    """The ``error`` text of a JSON error body (HF and OpenAI shapes), else a short excerpt."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return body.strip()[:200]
    if isinstance(data, dict):
        err = data.get("error", data.get("message", data.get("detail")))
        if isinstance(err, dict):
            err = err.get("message", err)
        if err is not None:
            return str(err)[:300]
    return body.strip()[:200]


def _retry_wait(failure: HttpFailure) -> float | None:
    value = failure.headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
    try:
        data = json.loads(failure.body)
        if isinstance(data, dict) and isinstance(data.get("estimated_time"), (int, float)):
            return max(0.0, float(data["estimated_time"]))
    except (ValueError, TypeError):
        pass
    return None


def _names(exc: BaseException) -> set[str]:
    names: set[str] = set()
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        names.update(cls.__name__ for cls in type(exc).__mro__)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return names


def explain(exc: BaseException, *, model: str, service: str = "the Hugging Face Inference API",
            timeout: float | None = None, url: str | None = None) -> BaseException:
    """A ParserError (or Cancelled / RetryableError) describing ``exc`` for a cell; messages are not redacted yet.
    ``url``: where the request went, when known (token advice depends on whether that is Hugging Face)."""
    if isinstance(exc, (Cancelled, ParserError)):
        return exc
    failure = _http_failure(exc)
    if failure is not None:
        detail = _server_message(failure.body)
        suffix = f" (server said: {detail})" if detail else ""
        if failure.status == 401:
            elsewhere = token_help(url)
            advice = f"T{elsewhere[1:]}" if elsewhere else f"To use a token, {TOKEN_HELP}"
            return ParserError(f"{service} refused the request for {model}: not authenticated (401). "
                               f"{advice}.{suffix}")
        if failure.status == 403:
            elsewhere = token_help(url)
            if elsewhere:
                return ParserError(f"{service} refused access to {model} (403): the credentials sent, if any, "
                                   f"lack permission; {elsewhere}.{suffix}")
            return ParserError(f"{service} refused access to {model} (403): the token lacks permission, or the "
                               f"model is gated and its terms must be accepted on huggingface.co. To change the "
                               f"token, {TOKEN_HELP}.{suffix}")
        if failure.status == 404:
            return ParserError(f"model {model} was not found or is not served by {service} (404); check "
                               f"settings.model (and settings.provider) or pick another model.{suffix}")
        if failure.status == 429:
            return RetryableError(f"{service} is rate-limiting requests (429 Too Many Requests){suffix}",
                                  _retry_wait(failure))
        if failure.status == 503:
            loading = "loading" in failure.body.lower()
            what = f"model {model} is still loading" if loading else f"{service} is unavailable"
            return RetryableError(f"{what} (503){suffix}", _retry_wait(failure))
        return ParserError(f"{service} answered HTTP {failure.status} for {model}{suffix}")
    names = _names(exc)
    if names & {"InferenceTimeoutError", "TimeoutException", "ReadTimeout", "ConnectTimeout", "TimeoutError",
                "timeout"}:
        after = f" after {timeout:g} s" if timeout else ""
        return ParserError(f"{service} did not answer{after} for {model} (timeout); the model may be busy or "
                           "large: try again, or raise settings.timeout")
    if names & {"ConnectError", "ConnectionRefusedError", "ConnectionError"} and \
            "RemoteProtocolError" not in names:
        return ParserError(f"cannot connect to {service} for {model}: {_short(exc)}. Is the server running and "
                           "the URL right?")
    if names & {"OfflineModeIsEnabled"}:
        return ParserError("huggingface_hub offline mode is on (HF_HUB_OFFLINE=1), so remote models cannot be "
                           "called; unset HF_HUB_OFFLINE or use a (Local) task")
    if names & {"RemoteProtocolError", "ReadError", "StreamClosed", "IncompleteRead", "ChunkedEncodingError"}:
        return ParserError(f"the connection to {service} broke before the answer was complete ({_short(exc)})")
    if names & {"JSONDecodeError", "ValidationError"} or isinstance(exc, (ValueError, KeyError, TypeError,
                                                                       AttributeError, IndexError)):
        return ParserError(f"{service} sent a response tuinb cannot read for {model}: {_short(exc)}")
    return ParserError(f"{service} call for {model} failed: {_short(exc)}")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first[:300]}" if first else type(exc).__name__


@dataclass
class RetryPolicy:
    """How long we keep trying a busy server. Waits come from Retry-After / estimated_time when given."""

    max_retries: int = 4
    base_wait: float = 1.0
    max_wait: float = 60.0


def with_retries(call: Callable[[], T], ctx: RunContext, policy: RetryPolicy, *,
                 explain_error: Callable[[BaseException], BaseException]) -> T:
    """Run ``call``; on 429 / 503 wait (visibly, cancellably) and try again, up to ``policy.max_retries`` times."""
    attempt = 0
    while True:
        ctx.check_cancelled()
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - every failure is explained below
            error = explain_error(exc)
            if not isinstance(error, RetryableError):
                raise error from exc
            if attempt >= policy.max_retries:
                raise ParserError(f"{error} — gave up after {attempt + 1} attempts; try again later") from exc
            wait = error.wait if error.wait is not None else policy.base_wait * (2 ** attempt)
            wait = min(max(wait, 0.05), policy.max_wait)
            attempt += 1
            _wait_visibly(ctx, wait, f"{error}; retry {attempt}/{policy.max_retries}")


def _wait_visibly(ctx: RunContext, seconds: float, reason: str) -> None:
    """Sleep ``seconds`` while showing a countdown; a cancel ends the wait at once."""
    remaining = seconds
    while remaining > 0:
        ctx.progress(None, f"{reason} in {remaining:.0f} s" if remaining >= 1 else f"{reason} now")
        step = min(1.0, remaining)
        if ctx.token.wait(step):
            raise Cancelled()
        remaining -= step


def redacting(secrets: list[str], error: BaseException) -> BaseException:
    """The same kind of error with secrets removed from its message (Cancelled passes through)."""
    if isinstance(error, (Cancelled, NeedsConsent)):
        return error
    message = redact(str(error), secrets)
    if isinstance(error, NotRunnable):
        return NotRunnable(message)
    return ParserError(message)


def run_guarded(body: Callable[[], T], secrets: list[str], *, model: str, service: str,
                timeout: float | None = None, url: str | None = None) -> T:
    """Call ``body``; any failure leaves as a redacted ParserError (or Cancelled)."""
    try:
        return body()
    except Cancelled:
        raise
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        explained = explain(exc, model=model, service=service, timeout=timeout, url=url)
        raise redacting(secrets, explained) from None


def json_safe(value: Any) -> Any:
    """A JSON-serialisable copy of an API response object (dataclasses, pydantic, lists...)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    for attr in ("model_dump", "dict"):
        method = getattr(value, attr, None)
        if callable(method):
            try:
                return json_safe(method())
            except TypeError:
                pass
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return json_safe(dataclasses.asdict(value))
    return str(value)
