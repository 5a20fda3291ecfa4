"""Calling a parser so that a cancel ends the run at once, whatever the parser is blocked in.

A parser checks its cancel token between tokens and closes its connections on cancel, but a call can still be
stuck where no check runs: DNS, a TCP connect, a read the library does not wake, a model load. So the call
runs in a daemon thread of its own and the caller waits for either its end or the cancel. After a cancel the
call gets a short grace to finish the ordinary way; past it, the run ends as cancelled and the thread is
abandoned: its result is dropped, and being a daemon it never holds up the interpreter's exit.
"""

from __future__ import annotations

import threading
from typing import Callable, TypeVar

from ..parser_api import CancelToken, Cancelled

T = TypeVar("T")

CANCEL_GRACE = 0.25
"""Seconds a cancelled call may take to end by itself before it is abandoned."""


def call_cancellable(call: Callable[[], T], token: CancelToken, *, name: str,
                     after: Callable[[], None] | None = None, grace: float = CANCEL_GRACE) -> T:
    """``call()``'s result (or exception), or :class:`Cancelled` soon after ``token`` is cancelled.

    ``after`` runs in the call's thread once the call has really ended, abandoned or not (e.g. to release a
    local model for the next queued run only when this one has let go of it).
    """
    done = threading.Event()
    woken = threading.Event()
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            box["error"] = exc
        finally:
            done.set()
            woken.set()
            if after is not None:
                after()

    thread = threading.Thread(target=target, name=name, daemon=True)
    token.on_cancel(woken.set)
    try:
        thread.start()
    except BaseException:
        if after is not None:
            after()
        raise
    try:
        woken.wait()
        if not done.is_set():
            done.wait(grace)
    except BaseException:  # Ctrl+C in a headless run: stop the call too, and leave
        token.cancel()
        raise
    if not done.is_set():
        raise Cancelled()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]
