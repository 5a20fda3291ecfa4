"""Whether the Hugging Face Hub answers, asked once per process: offline, a model that is not in the local cache
then fails at once instead of after the libraries' own timeouts and retries.

``HF_HUB_OFFLINE`` set means offline without asking. A proxy in the environment is trusted to reach the Hub (the
probe talks to the endpoint directly, so it could not tell). Only the standard library is used.
"""

from __future__ import annotations

import os
import sys
import threading
from urllib.parse import urlsplit

PROBE_TIMEOUT = 2.5
"""Seconds the probe waits for any HTTP answer from the Hub (name lookup and connection included)."""

_lock = threading.Lock()
_reachable: bool | None = None


def hub_offline_mode() -> bool:
    """``HF_HUB_OFFLINE`` is set to a true value (in the environment, or as huggingface_hub read it)."""
    constants = sys.modules.get("huggingface_hub.constants")
    return (os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "ON", "YES", "TRUE")
            or bool(getattr(constants, "HF_HUB_OFFLINE", False)))


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def hub_reachable() -> bool:
    """False in offline mode; else whether the Hub answered the first time this was asked (in this process):
    the probe runs once per session."""
    global _reachable
    if hub_offline_mode():
        return False
    with _lock:
        if _reachable is None:
            _reachable = _proxied() or _probe(hub_endpoint(), PROBE_TIMEOUT)
        return _reachable


def forget() -> None:
    """Ask again next time (tests; a session that knows the network changed)."""
    global _reachable
    with _lock:
        _reachable = None


def _proxied() -> bool:
    return any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"))


def _probe(endpoint: str, timeout: float) -> bool:
    """Any HTTP answer (even an error status) within ``timeout`` seconds counts as reachable."""
    answered = threading.Event()

    def ask() -> None:
        import http.client

        parts = urlsplit(endpoint)
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        try:
            connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
            try:
                connection.request("HEAD", (parts.path or "") + "/api/models?limit=1")
                connection.getresponse()
                answered.set()
            finally:
                connection.close()
        except Exception:  # noqa: BLE001 - unreachable, refused, TLS or DNS failure: all mean "no Hub"
            pass

    # A thread bounds the name lookup too, which no socket timeout covers.
    threading.Thread(target=ask, name="hub-probe", daemon=True).start()
    return answered.wait(timeout)


def in_local_cache(repo_id: str, cache_dir: str | None = None) -> bool:
    """Whether the local Hugging Face cache holds a snapshot of model ``repo_id`` (any revision)."""
    from pathlib import Path

    from huggingface_hub.constants import HF_HUB_CACHE

    folder = Path(cache_dir or HF_HUB_CACHE) / ("models--" + repo_id.replace("/", "--")) / "snapshots"
    try:
        return any(folder.iterdir())
    except OSError:
        return False
