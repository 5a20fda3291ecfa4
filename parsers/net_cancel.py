"""Closing a run's HTTP connections when the run is cancelled, so a read blocked on a silent server wakes at once.

``httpx2.Client.close()`` (and ``InferenceClient.close()``, which closes only the streams it has already
entered, not the shared session) closes a socket's file descriptor, and that does not wake a thread blocked
reading it: the read goes on until the timeout. ``socket.shutdown()`` does wake it. httpcore reports every new
connection to a request's ``trace`` extension with its network stream, and a response carries the stream of
the connection it came on (a reused one too), so each socket a run uses is noted there and shut down if the
run's token is cancelled. Sockets are noted only while the run's call is in progress, so a cancel never touches
a pooled connection that another run uses later.

Only the standard library is imported here; the hooks are handed to an httpx2 client by the caller.
"""

from __future__ import annotations

import contextvars
import socket
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from tui_notebook.parser_api import CancelToken

_CONNECTED = ("connection.connect_tcp.complete", "connection.start_tls.complete")


class _RunSockets:
    """The sockets one run's call has used so far, shut down together on cancel."""

    def __init__(self, token: CancelToken) -> None:
        self.token = token
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._open = True

    def add(self, sock: Any) -> None:
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            if not self._open:
                return
            self._sockets.append(sock)
        if self.token.cancelled:
            self.shut_down()

    def shut_down(self) -> None:
        with self._lock:
            sockets = list(self._sockets) if self._open else []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed or never connected
                pass

    def forget(self) -> None:
        with self._lock:
            self._open = False
            self._sockets.clear()


_current: contextvars.ContextVar[_RunSockets | None] = contextvars.ContextVar("tuinb_run_sockets", default=None)


@contextmanager
def connections_closed_on_cancel(token: CancelToken) -> Iterator[None]:
    """While inside, HTTP requests made from this thread through a client with :func:`install_hooks` have
    their connections shut down when ``token`` is cancelled."""
    run = _RunSockets(token)
    reset = _current.set(run)
    token.on_cancel(run.shut_down)
    try:
        yield
    finally:
        run.forget()
        _current.reset(reset)


def _stream_socket(stream: Any) -> Any:
    try:
        return stream.get_extra_info("socket") if stream is not None else None
    except Exception:  # noqa: BLE001 - a backend without sockets: nothing to shut down
        return None


def _on_request(request: Any) -> None:
    run = _current.get()
    if run is None:
        return
    previous = request.extensions.get("trace")

    def trace(name: str, info: dict[str, Any]) -> None:
        if name in _CONNECTED:
            run.add(_stream_socket(info.get("return_value")))
        if previous is not None:
            previous(name, info)

    request.extensions = {**request.extensions, "trace": trace}


def _on_response(response: Any) -> None:
    run = _current.get()
    if run is not None:
        run.add(_stream_socket(response.extensions.get("network_stream")))


def event_hooks() -> dict[str, list[Any]]:
    """``event_hooks`` for a new ``httpx2.Client``."""
    return {"request": [_on_request], "response": [_on_response]}


_install_lock = threading.Lock()


def install_hooks(client: Any) -> None:
    """Add the hooks to an existing client (e.g. huggingface_hub's shared session), once."""
    with _install_lock:
        hooks = client.event_hooks
        if _on_request in hooks.get("request", []):
            return
        client.event_hooks = {**hooks, "request": [*hooks.get("request", []), _on_request],
                              "response": [*hooks.get("response", []), _on_response]}
