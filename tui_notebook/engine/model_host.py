"""The local model process: built-in local parsers run in one child Python process, not in the UI's.

Why: a transformers model generating in a worker thread holds the GIL most of the time, so the Textual UI
thread of the same process waits for it and a key press took about half a second to show. In a separate
process the model has its own interpreter and GIL, and the UI process never even imports torch.

How: one persistent child (``python -P -m tui_notebook.engine.model_host_main``, a fresh interpreter: fork
is unsafe once torch and threads exist) is started on the first local run and kept, so its models stay
loaded between runs exactly as they do in the in-process model cache. Parent and child talk over a private
``socketpair`` with length-prefixed pickles; one reader thread here hands each child message to the engine
worker thread that waits in :meth:`LocalModelHost.run`, so the engine's callbacks still run in the run's own
thread. The child's stdout/stderr go to a log file, never to the terminal the TUI owns.

Only this module's standard-library imports happen in the parent; the child does the heavy ones.
"""

from __future__ import annotations

import atexit
import dataclasses
import itertools
import os
import pickle
import queue
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from ..parser_api import Cancelled, ModelParser, NotRunnable, ParserError, RunContext, RunRequest

STARTING = "starting the local model process…"
WARM_LIBRARIES = ("torch", "transformers", "diffusers")
"""What :meth:`LocalModelHost.prestart` may ask the child to import ahead of the first run."""
LOG_NAME = "model-host.log"
_LOG_KEEP_BYTES = 1024 * 1024  # the log is appended to by every start; past this it starts over

# -- wire format: 8-byte big-endian length, then a pickle. Both ends are this package, over a private socket.

_HEADER = struct.Struct("!Q")


def send_message(sock: socket.socket, lock: threading.Lock, message: Any) -> None:
    """Send one message (pickled first, so a pickling error never leaves half a frame on the socket)."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    with lock:
        sock.sendall(_HEADER.pack(len(data)))
        sock.sendall(data)


def recv_frame(sock: socket.socket) -> bytes | None:
    """The next message, still pickled; None at end of stream (the other side exited or closed)."""
    header = _recv_exact(sock, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    return _recv_exact(sock, size)


def recv_message(sock: socket.socket) -> Any:
    """The next message, or None at end of stream."""
    frame = recv_frame(sock)
    return None if frame is None else pickle.loads(frame)  # noqa: S301 - our own process, over a private socketpair


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        count = sock.recv_into(view[got:], size - got)
        if count == 0:
            return None
        got += count
    return bytes(buffer)


# -- errors -----------------------------------------------------------------------------------------------


class RemoteError(Exception):
    """A run failed in the model process with an exception that is not a ParserError.

    The original class may not even be importable here (a torch error), so this carries its name and the
    child's formatted traceback; the engine stores those in the cell's Error output as if it had failed here.
    """

    def __init__(self, ename: str, message: str, traceback_lines: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.ename = ename
        self.traceback_lines = list(traceback_lines)


def error_message(exc: BaseException) -> tuple:
    """The wire form of a run's failure (child side); :func:`rebuild_error` is its inverse."""
    import traceback

    if isinstance(exc, Cancelled):
        return ("cancelled", "Cancelled", "cancelled", [])
    if isinstance(exc, NotRunnable):
        return ("not_runnable", type(exc).__name__, str(exc), [])
    if isinstance(exc, ParserError):
        return ("parser_error", type(exc).__name__, str(exc), [])
    return ("other", type(exc).__name__, str(exc) or type(exc).__name__, traceback.format_exception(exc))


def rebuild_error(kind: str, ename: str, message: str, traceback_lines: list[str]) -> BaseException:
    if kind == "cancelled":
        return Cancelled()
    if kind == "not_runnable":
        return NotRunnable(message)
    if kind == "parser_error":
        return ParserError(message)
    return RemoteError(ename, message, traceback_lines)


# -- which runs go to the child ---------------------------------------------------------------------------


def hosted(parser: ModelParser) -> bool:
    """True for a built-in local parser, which the child can rebuild from its id.

    Parsers registered by a notebook's model_parsers.py (or any other non-built-in class) stay in-process:
    the child only has tuinb's own registry, and running untrusted-until-trusted user code in a second
    process would need its own trust story. ``TUINB_LOCAL_PROCESS=0`` keeps everything in-process.
    """
    if os.environ.get("TUINB_LOCAL_PROCESS", "").strip() == "0":
        return False
    if not getattr(parser, "local", False):
        return False
    cls = type(parser)
    if not cls.__module__.startswith("tui_notebook.parsers."):
        return False
    if not getattr(cls.run, "__module__", "").startswith("tui_notebook.parsers."):
        return False  # a built-in class whose run() a model_parsers.py replaced
    from ..registry import shared_registry

    builtin = shared_registry().get(parser.id)  # same id must mean the same built-in class in the child
    return builtin is not None and (type(builtin).__module__, type(builtin).__qualname__) == (
        cls.__module__, cls.__qualname__)


def portable_request(request: RunRequest) -> RunRequest:
    """``request`` without what cannot cross a process boundary.

    ``confirm_outside_files`` is a UI callback (local parsers never upload files, so the child needs no
    consent); ``extra`` is free-form and only the engine reads it, so only its picklable entries go along.
    """
    extra = {}
    for key, value in request.options.extra.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: BLE001 - anything unpicklable stays behind
            continue
        extra[key] = value
    options = dataclasses.replace(request.options, confirm_outside_files=None, extra=extra)
    return dataclasses.replace(request, options=options)


# -- parent side ------------------------------------------------------------------------------------------


_CANCEL = ("_cancel",)  # put in a run's inbox by its cancel token


class _Child:
    """One running child process, its socket and its reader thread; dead for good once its socket ends."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        parent_sock, child_sock = socket.socketpair()
        env = dict(os.environ)
        env.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        env.setdefault("TOKENIZERS_PARALLELISM", "false")
        env["PYTHONUNBUFFERED"] = "1"  # a crash's last words reach the log
        log = _open_log(log_path)
        try:
            # -P: the notebook's folder (the cwd) must not shadow torch & co. with a stray torch.py.
            # A process group of its own: a ctrl+c at a `tuinb run` prompt reaches the parent only, which then
            # stops us. Not a session of its own: Linux schedules each session as one group (autogroups), and
            # in a session apart the child's lower priority (model_host_main.NICE) counted only among its own
            # threads: torch then had an equal share of the cores with the app, and a key press could wait
            # 20-60 ms behind it before the app even read it.
            self.proc = subprocess.Popen(
                [sys.executable, "-P", "-m", "tui_notebook.engine.model_host_main", str(child_sock.fileno())],
                pass_fds=(child_sock.fileno(),), stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                process_group=0)
        except OSError as exc:
            parent_sock.close()
            raise ParserError(f"cannot start the local model process: {exc}") from None
        finally:
            child_sock.close()
            if log is not subprocess.DEVNULL:
                log.close()
        self.sock = parent_sock
        self.send_lock = threading.Lock()
        self.lock = threading.Lock()
        self.inboxes: dict[int, queue.SimpleQueue] = {}
        self.replies: dict[int, queue.SimpleQueue] = {}
        self.alive = True
        self.closing = False
        self.broken = ""
        self.ready = threading.Event()  # the child has imported tuinb and answers
        self.reader = threading.Thread(target=self._read, name="tuinb-model-host-reader", daemon=True)
        self.reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def register(self, run_id: int, inbox: queue.SimpleQueue) -> None:
        with self.lock:
            if not self.alive:
                raise ParserError(self.death_message())
            self.inboxes[run_id] = inbox

    def forget(self, run_id: int) -> None:
        with self.lock:
            self.inboxes.pop(run_id, None)

    def send(self, message: Any) -> bool:
        """False when the child is gone (its reader then fails the waiting runs)."""
        try:
            send_message(self.sock, self.send_lock, message)
            return True
        except OSError:
            return False

    def _read(self) -> None:
        while True:
            try:
                frame = recv_frame(self.sock)
            except OSError:
                frame = None
            if frame is None:
                break
            try:
                message = pickle.loads(frame)  # noqa: S301 - our own child, over a private socketpair
            except Exception as exc:  # noqa: BLE001 - cannot tell whose it was: the child is of no use now
                self.broken = f"the local model process sent a message this one cannot read ({exc!r})"
                self.proc.kill()
                break
            kind = message[0]
            if kind == "ready":
                self.ready.set()
                continue
            with self.lock:
                box = (self.replies if kind == "reply" else self.inboxes).get(message[1])
            if box is not None:  # else: a run that was cancelled and already left
                box.put(message)
        self._died()

    def _died(self) -> None:
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # the socket ended but the process lingers: it is of no use now
            self.proc.kill()
            self.proc.wait()
        with self.lock:
            self.alive = False
            boxes = [*self.inboxes.values(), *self.replies.values()]
            self.inboxes.clear()
            self.replies.clear()
        crash = ("crash", 0, self.death_message())
        for box in boxes:
            box.put(crash)

    def death_message(self) -> str:
        if self.closing:
            return "the local model process was shut down"
        if self.broken:
            return f"{self.broken}; its log is at {self.log_path}"
        code = self.proc.returncode
        how = f"exit code {code}"
        if code is not None and code < 0:
            try:
                how += f", {signal.Signals(-code).name}"
            except ValueError:
                pass
        return f"the local model process stopped unexpectedly ({how}); its log is at {self.log_path}"

    def close(self, timeout: float) -> None:
        self.closing = True
        self.send(("shutdown",))
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the reader
        except OSError:
            pass
        self.reader.join(timeout=2)
        self.sock.close()


def _open_log(path: Path) -> Any:
    """The child's stdout/stderr: appended to ``path`` (restarted past 1 MB); DEVNULL if it cannot be opened."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > _LOG_KEEP_BYTES:
            path.unlink()
        log = open(path, "ab")  # noqa: SIM115 - handed to Popen, closed right after
        log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} tuinb model process for parent {os.getpid()}\n"
                  .encode())
        log.flush()
        return log
    except OSError:
        return subprocess.DEVNULL


class LocalModelHost:
    """Runs built-in local parsers in one child process, started on first use and again after a crash."""

    def __init__(self, log_path: Path | None = None) -> None:
        self._log_path = log_path
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self._ids = itertools.count(1)
        self._atexit = False

    @property
    def pid(self) -> int | None:
        """The live child's process id, if one is running."""
        child = self._child
        return child.pid if child is not None and child.alive else None

    @property
    def log_path(self) -> Path:
        if self._log_path is None:
            from ..paths import cache_dir

            self._log_path = cache_dir() / "logs" / LOG_NAME
        return self._log_path

    def _live_child(self) -> _Child:
        with self._lock:
            if self._child is None or not self._child.alive:
                self._child = _Child(self.log_path)
                if not self._atexit:
                    atexit.register(self.shutdown)
                    self._atexit = True
            return self._child

    def run(self, parser: ModelParser, request: RunRequest, ctx: RunContext) -> list[Any]:
        """Run ``parser`` on ``request`` in the child; blocks the calling (engine worker) thread.

        Text, progress and warnings come back through ``ctx`` in this thread. A cancel returns at once
        (Cancelled) without waiting for the child, which may be inside a step that cannot stop, such as
        from_pretrained(); the child drops that run on its own.
        """
        token = ctx.token
        token.raise_if_cancelled()
        child = self._live_child()
        if not child.ready.is_set():
            ctx.progress(None, STARTING)
        run_id = next(self._ids)
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        child.register(run_id, inbox)
        finished = False
        try:
            token.on_cancel(lambda: inbox.put(_CANCEL))
            child.send(("run", run_id, parser.id, portable_request(request)))
            while True:
                message = inbox.get()
                kind = message[0]
                if message is _CANCEL:
                    raise Cancelled()
                if kind == "text":
                    ctx.stream(message[2])
                elif kind == "progress":
                    ctx.progress(message[2], message[3])
                elif kind == "warn":
                    ctx.warn(message[2])
                elif kind == "done":
                    finished = True
                    return list(message[2])
                elif kind == "error":
                    finished = True
                    raise rebuild_error(*message[2:])
                elif kind == "crash":
                    finished = True
                    raise ParserError(message[2])
        finally:
            child.forget(run_id)
            if not finished:  # cancelled, or this side failed: the child must stop too
                child.send(("cancel", run_id))

    def prestart(self, libraries: Sequence[str] = ()) -> None:
        """Start the child now (if it is not running) and have it import ``libraries`` in the background, so
        the first run does not wait seconds for a fresh interpreter and torch. Loads no model."""
        child = self._live_child()
        wanted = [name for name in libraries if name in WARM_LIBRARIES]
        if wanted:
            child.send(("warm", wanted))

    def unload(self, model: str | None = None, timeout: float = 60.0) -> int:
        """Drop the child's loaded models (all, or those of ``model``); returns how many. No child: 0."""
        child = self._child
        if child is None or not child.alive:
            return 0
        request_id = next(self._ids)
        box: queue.SimpleQueue = queue.SimpleQueue()
        with child.lock:
            child.replies[request_id] = box
        try:
            if not child.send(("unload", request_id, model)):
                return 0
            try:
                reply = box.get(timeout=timeout)
            except queue.Empty:
                return 0
            return int(reply[2]) if reply[0] == "reply" else 0
        finally:
            with child.lock:
                child.replies.pop(request_id, None)

    def shutdown(self, timeout: float = 1.0) -> None:
        """Ask the child to exit, kill it after ``timeout`` seconds; runs still waiting fail."""
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            child.close(timeout)


_shared: LocalModelHost | None = None
_shared_lock = threading.Lock()


def shared_host() -> LocalModelHost:
    """The process-wide host (like the model cache is process-wide): every Engine shares one child."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LocalModelHost()
        return _shared
