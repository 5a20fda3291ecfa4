"""User parsers from ``model_parsers.py`` — executed only after explicit trust.

A notebook folder can carry a ``model_parsers.py`` (the Gradio Notebook convention) whose
``register_model_parsers()`` registers custom parsers. Opening a notebook must never run code the user has
not approved, so the file runs only if ``--trust-parsers`` was given or a trust record exists for this exact
path *and* content hash (a changed file needs trust again). Records live in the user data dir.

The code that runs is exactly the bytes that were hashed: the file is read once, those bytes are hashed,
compiled and executed in a fresh module. Nothing is imported from the folder, so a ``__pycache__`` file
shipped beside it (or added later) never runs, and no bytecode is ever written there.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .document.atomic import atomic_write_text
from .bounded_read import read_regular_file
from .paths import trust_file
from .registry import ParserRegistry

PARSERS_FILENAME = "model_parsers.py"
MAX_SOURCE_BYTES = 8 * 1024 * 1024
"""A parsers file larger than this is refused unread (it is Python source, not data)."""


class UntrustedParsers(Exception):
    pass


@dataclass
class PluginStatus:
    path: Path
    sha256: str
    trusted: bool
    loaded: bool = False
    registered: tuple[str, ...] = ()
    error: str = ""

    def explain(self) -> str:
        if self.error:
            return f"{self.path}: {self.error}"
        if self.loaded:
            return f"{self.path}: registered {', '.join(self.registered) or 'nothing'}"
        return (
            f"{self.path} was not run: it is not trusted (sha256 {self.sha256[:12]}…). Review it, then open the "
            f"notebook with --trust-parsers (or trust it from the TUI) to run it."
        )


def read_source(path: Path) -> bytes:
    """The file's bytes, read once: a regular file of at most ``MAX_SOURCE_BYTES`` (never a FIFO or device)."""
    return read_regular_file(path, MAX_SOURCE_BYTES)


def source_hash(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


def file_hash(path: Path) -> str:
    return source_hash(read_source(path))


def _records() -> dict:
    try:
        return json.loads(trust_file().read_text())
    except (OSError, ValueError):
        return {}


def is_trusted(path: Path, sha256: str | None = None) -> bool:
    path = path.resolve()
    record = _records().get(str(path))
    return bool(record) and record.get("sha256") == (sha256 or file_hash(path))


def trust(path: Path, digest: str | None = None) -> str:
    """Record trust in ``digest`` (default: the file's current content) for this path; returns the hash."""
    path = path.resolve()
    digest = digest or file_hash(path)
    records = _records()
    records[str(path)] = {"sha256": digest, "trusted_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    target = trust_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, json.dumps(records, indent=2, sort_keys=True))
    return digest


def revoke(path: Path) -> None:
    records = _records()
    if records.pop(str(path.resolve()), None) is not None:
        atomic_write_text(trust_file(), json.dumps(records, indent=2, sort_keys=True))


def find_parsers_file(notebook_path: Path | None, explicit: Path | None = None) -> Path | None:
    if explicit is not None:
        return explicit
    if notebook_path is None:
        return None
    candidate = notebook_path.resolve().parent / PARSERS_FILENAME
    return candidate if candidate.is_file() else None


# While a zero-argument register_model_parsers() runs, tuinb.register_model_parser() targets this registry.
_current: ParserRegistry | None = None


def register_model_parser(parser, names: Iterable[str] = ()) -> None:  # noqa: ANN001
    """For ``model_parsers.py`` files: register ``parser`` under its id and ``names``."""
    if _current is None:
        raise RuntimeError("register_model_parser() is only available while tuinb loads model_parsers.py")
    _current.register(parser, list(names))


def load_parsers(path: Path, registry: ParserRegistry, *, trusted_now: bool = False,
                 approved_sha256: str | None = None) -> PluginStatus:
    """Run ``path``'s ``register_model_parsers`` if trusted. Never raises for untrusted or broken files.

    ``trusted_now`` records trust in the bytes read here; with ``approved_sha256`` (the hash the user was
    shown) those bytes must still be the ones approved, or nothing runs.
    """
    global _current
    path = path.resolve()
    try:
        source = read_source(path)
    except OSError as exc:
        return PluginStatus(path, "", False, error=f"cannot read: {exc.strerror or exc}")
    digest = source_hash(source)
    if approved_sha256 is not None and digest != approved_sha256:
        return PluginStatus(path, digest, False, error=(
            f"changed since it was reviewed (sha256 {approved_sha256[:12]}… is now {digest[:12]}…); "
            "it was not run. Review it again."))
    if trusted_now:
        trust(path, digest)
    status = PluginStatus(path, digest, trusted_now or is_trusted(path, digest))
    if not status.trusted:
        return status
    before = set(registry.names())
    name = f"tuinb_user_parsers_{digest[:12]}"
    try:
        code = compile(source, str(path), "exec", dont_inherit=True)
        module = types.ModuleType(name)
        module.__file__ = str(path)
        # Registered so classes defined in it resolve their module (dataclasses, pickling); never a loader
        # that could find a cached or other file.
        sys.modules[name] = module
        exec(code, module.__dict__)  # noqa: S102 - the exact bytes the user trusted
        func = getattr(module, "register_model_parsers", None)
        if func is None:
            status.error = "has no register_model_parsers() function"
            return status
        _current = registry
        try:
            if len(inspect.signature(func).parameters) >= 1:
                func(registry)
            else:
                func()
        finally:
            _current = None
    except Exception as exc:  # noqa: BLE001 - user code: report, never crash the app
        status.error = f"{type(exc).__name__}: {exc}"
        return status
    status.loaded = True
    status.registered = tuple(n for n in registry.names() if n not in before)
    return status
