"""User parsers from ``model_parsers.py`` — executed only after explicit trust.

A notebook folder can carry a ``model_parsers.py`` (the Gradio Notebook convention) whose
``register_model_parsers()`` registers custom parsers. Opening a notebook must never run code the user has
not approved, so the file runs only if ``--trust-parsers`` was given or a trust record exists for this exact
path *and* content hash (a changed file needs trust again). Records live in the user data dir.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .document.atomic import atomic_write_text
from .paths import trust_file
from .registry import ParserRegistry

PARSERS_FILENAME = "model_parsers.py"


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


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _records() -> dict:
    try:
        return json.loads(trust_file().read_text())
    except (OSError, ValueError):
        return {}


def is_trusted(path: Path, sha256: str | None = None) -> bool:
    path = path.resolve()
    record = _records().get(str(path))
    return bool(record) and record.get("sha256") == (sha256 or file_hash(path))


def trust(path: Path) -> str:
    """Record trust in this file's current content; returns the hash trusted."""
    path = path.resolve()
    digest = file_hash(path)
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


def load_parsers(path: Path, registry: ParserRegistry, *, trusted_now: bool = False) -> PluginStatus:
    """Run ``path``'s ``register_model_parsers`` if trusted. Never raises for untrusted or broken files."""
    global _current
    path = path.resolve()
    try:
        digest = file_hash(path)
    except OSError as exc:
        return PluginStatus(path, "", False, error=f"cannot read: {exc.strerror or exc}")
    if trusted_now:
        trust(path)
    status = PluginStatus(path, digest, trusted_now or is_trusted(path, digest))
    if not status.trusted:
        return status
    before = set(registry.names())
    name = f"tuinb_user_parsers_{digest[:12]}"
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError("not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
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
