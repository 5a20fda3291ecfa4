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

    ``after`` runs once the call has really ended: here, before returning, when it ended in time; in the
    call's own thread, whenever it ends, when it was abandoned (e.g. to let the next run queued on a local
    model start only when this one has let go of it).
    """
    done = threading.Event()
    woken = threading.Event()
    lock = threading.Lock()
    state = {"abandoned": False}
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            box["error"] = exc
        finally:
            with lock:
                done.set()
                abandoned = state["abandoned"]
            woken.set()
            if abandoned and after is not None:
                after()

    def abandon() -> bool:
        """True if the call is still going (it is then the call's thread that runs ``after``)."""
        with lock:
            state["abandoned"] = not done.is_set()
            return state["abandoned"]

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
        if not abandon() and after is not None:
            after()
        raise
    if abandon():
        raise Cancelled()
    if after is not None:
        after()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]
