"""The child side of the local model process (started by :mod:`.model_host`; not a user command).

``python -P -m tui_notebook.engine.model_host_main FD``: FD is this end of the parent's socketpair. The main
thread reads requests; each run gets its own thread (different models may run at once; the parent's engine
already queues runs that share a ``resource_key``, and a lock per key here keeps a cancelled run that is still
unwinding from overlapping the next one on the same model). Every message back goes through one send lock.
When the socket ends, the parent is gone, and this process exits at once.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

from ..parser_api import CancelToken, NotRunnable, RunContext, RunRequest
from .model_host import WARM_LIBRARIES, error_message, recv_message, send_message

#: Text chunks are batched: one message per generated token would cost the parent a wake-up per token, so a
#: chunk goes out at once if none went in the last FLUSH_SECONDS, else with the next flush (at most that late).
FLUSH_SECONDS = 0.02


class _Run:
    def __init__(self, server: "_Server", run_id: int) -> None:
        self.server = server
        self.run_id = run_id
        self.token = CancelToken()
        self.lock = threading.Lock()
        self.pending: list[str] = []
        self.last_flush = 0.0
        self.ctx = RunContext(
            self.token,
            on_text=self.text,
            on_progress=lambda fraction, message: self.send(("progress", run_id, fraction, message)),
            on_warning=lambda message: self.send(("warn", run_id, message)),
        )

    def text(self, chunk: str, _accumulated: str) -> None:
        with self.lock:
            self.pending.append(chunk)
            if time.monotonic() - self.last_flush >= FLUSH_SECONDS:
                self._flush_locked()
                return
        self.server.dirty.set()

    def flush(self) -> None:
        with self.lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self.pending:
            self.server.send(("text", self.run_id, "".join(self.pending)))
            self.pending.clear()
        self.last_flush = time.monotonic()

    def send(self, message: tuple) -> None:
        """Any other message: the text before it goes first, so the parent sees them in order."""
        with self.lock:
            self._flush_locked()
            self.server.send(message)


class _Server:
    def __init__(self, sock: socket.socket) -> None:
        from ..registry import default_registry

        self.sock = sock
        self.send_lock = threading.Lock()
        self.registry = default_registry()
        self.lock = threading.Lock()
        self.runs: dict[int, _Run] = {}
        self.resource_locks: dict[str, threading.Lock] = {}
        self.dirty = threading.Event()
        threading.Thread(target=self._flusher, name="flusher", daemon=True).start()

    def send(self, message: Any) -> None:
        try:
            send_message(self.sock, self.send_lock, message)
        except OSError:  # the parent is gone
            _exit(0)

    def serve(self) -> None:
        self.send(("ready", os.getpid()))
        while True:
            try:
                message = recv_message(self.sock)
            except OSError:
                message = None
            if message is None or message[0] == "shutdown":
                _exit(0)
            kind = message[0]
            if kind == "run":
                _, run_id, parser_id, request = message
                run = _Run(self, run_id)
                with self.lock:
                    self.runs[run_id] = run
                threading.Thread(target=self._run, args=(run, parser_id, request), name=f"run-{run_id}",
                                 daemon=True).start()
            elif kind == "cancel":
                with self.lock:
                    run = self.runs.get(message[1])
                if run is not None:
                    run.token.cancel()
            elif kind == "unload":
                threading.Thread(target=self._unload, args=message[1:], daemon=True).start()
            elif kind == "warm":
                threading.Thread(target=self._warm, args=(message[1],), name="warm", daemon=True).start()

    def _warm(self, libraries: list[str]) -> None:
        """Import what the notebook's local cells will need, before the first run asks (see prestart)."""
        import importlib

        from ..parsers.model_cache import quiet_libraries

        for name in libraries:
            if name in WARM_LIBRARIES:
                try:
                    if name == "transformers":
                        quiet_libraries()
                        importlib.import_module("transformers.pipelines")  # what `from transformers import pipeline` loads
                    elif name == "diffusers":
                        quiet_libraries(diffusers=True)
                    else:
                        importlib.import_module(name)
                except Exception:  # noqa: BLE001 - a real run reports the problem properly
                    return

    def _run(self, run: _Run, parser_id: str, request: RunRequest) -> None:
        try:
            parser = self.registry.get(parser_id)
            if parser is None:
                raise NotRunnable(f"parser {parser_id!r} is not a built-in parser of the local model process")
            held = self._acquire(parser.resource_key(request), run)
            try:
                outputs = list(parser.run(request, run.ctx))
            finally:
                if held is not None:
                    held.release()
            try:
                run.send(("done", run.run_id, outputs))
            except Exception as exc:  # noqa: BLE001 - e.g. an output that does not pickle
                run.send(("error", run.run_id, *error_message(exc)))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the waiting run
            run.send(("error", run.run_id, *error_message(exc)))
        finally:
            with self.lock:
                self.runs.pop(run.run_id, None)

    def _acquire(self, key: str | None, run: _Run) -> threading.Lock | None:
        if not key:
            return None
        with self.lock:
            lock = self.resource_locks.setdefault(key, threading.Lock())
        if lock.acquire(blocking=False):
            return lock
        run.ctx.progress(None, "waiting for the previous run on this model to stop…")
        while not lock.acquire(timeout=0.05):
            run.token.raise_if_cancelled()
        return lock

    def _flusher(self) -> None:
        while True:
            self.dirty.wait()
            time.sleep(FLUSH_SECONDS)
            self.dirty.clear()
            with self.lock:
                runs = list(self.runs.values())
            for run in runs:
                run.flush()

    def _unload(self, request_id: int, model: str | None) -> None:
        from ..parsers.model_cache import unload

        try:
            count = unload(model)
        except Exception:  # noqa: BLE001
            count = 0
        self.send(("reply", request_id, count))


def _exit(code: int) -> None:
    """Leave now: run threads may be deep inside torch, and nothing here needs an orderly interpreter exit."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(code)


NICE = 19
"""How much lower than the app this process runs (``TUINB_MODEL_NICE`` overrides, 0 turns it off). The lowest
priority. Linux schedules each session as one group (autogroups, the desktop default) and a nice value counts
only inside its group, so the app starts this process in the app's session (model_host._Child): then this only
decides who wins when the app and torch both want a core, and the app should. Pooled A/B of key latency in tmux
while a model generated, 4 rounds x 50 presses each: p95 46.6 ms with this process in a session of its own,
31.5 ms in the app's (together with the frame settle of ui/frames.py). Against other busy programs the app and
its model together keep their usual share."""


def lower_priority() -> None:
    """Let the terminal app win the CPU whenever it needs it: on a machine with few cores, torch's threads
    would otherwise take every core and a key press would wait behind a matrix multiplication. Generation
    only slows down while the app is actually busy (drawing), which is a few milliseconds at a time."""
    try:
        step = int(os.environ.get("TUINB_MODEL_NICE", NICE))
    except ValueError:
        step = NICE
    if step > 0 and hasattr(os, "nice"):
        try:
            os.nice(step)
        except OSError:
            pass


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    faulthandler.enable()  # a segfault leaves a Python stack in the log the parent's error points to
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    lower_priority()
    sock = socket.socket(fileno=int(argv[0]))
    _Server(sock).serve()


if __name__ == "__main__":
    main()
