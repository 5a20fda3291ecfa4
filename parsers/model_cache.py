"""One cache of loaded local models for every cell, plus the device choice and library silencing.

Loading a model is the slow part of a local run, so a model stays loaded between runs and cells: entries are
keyed by (kind, model, device, dtype, other creation settings), so a second run on the same model never
reloads, while changing a creation setting does. The least recently used models are dropped when the
estimated size of all loaded models passes the memory budget (``TUINB_MODEL_CACHE_MB``, default: a third of
RAM, at most 8 GB); :func:`unload` drops them on request.

A TUI owns the terminal, so the libraries' tqdm bars and log handlers must never write to stdout/stderr:
:func:`quiet_libraries` routes their logging to our ``tuinb.libs`` logger and turns the bars off.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

log = logging.getLogger("tuinb.libs")
log.addHandler(logging.NullHandler())

_quiet_lock = threading.Lock()
_quieted: set[str] = set()


def quiet_libraries(*, diffusers: bool = False) -> None:
    """Silence huggingface_hub / transformers (and diffusers) output; idempotent, call before loading."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    with _quiet_lock:
        if "hub" not in _quieted:
            from huggingface_hub.utils import disable_progress_bars

            disable_progress_bars()
            _route("huggingface_hub")
            _quieted.add("hub")
        if "transformers" not in _quieted:
            import transformers

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_default_handler()
            transformers.logging.disable_progress_bar()
            _route("transformers")
            _quieted.add("transformers")
        if "warnings" not in _quieted:
            # Libraries report many conditions with warnings.warn, which prints to stderr under a TUI.
            logging.captureWarnings(True)
            _route("py.warnings")
            _quieted.add("warnings")
        if diffusers and "diffusers" not in _quieted:
            import diffusers.utils.logging as dlog

            dlog.set_verbosity_error()
            dlog.disable_default_handler()
            dlog.disable_progress_bar()
            _route("diffusers")
            _quieted.add("diffusers")


class _Forward(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        log.handle(record)


def _route(name: str) -> None:
    """Send library ``name``'s log records to our logger only (never to the root's stderr handler)."""
    library = logging.getLogger(name)
    for handler in list(library.handlers):
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, _Forward):
            library.removeHandler(handler)
    if not any(isinstance(h, _Forward) for h in library.handlers):
        library.addHandler(_Forward())
    library.propagate = False


def pick_device(setting: Any) -> str:
    """``settings.device`` if given (and not auto), else cuda, then mps, then cpu."""
    import torch

    if isinstance(setting, str) and setting.strip() and setting.strip().lower() != "auto":
        device = setting.strip().lower()
        if device.startswith("cuda") and not torch.cuda.is_available():
            from tui_notebook.parser_api import ParserError

            raise ParserError(f"settings.device is {setting!r} but no CUDA GPU is available here; use auto or cpu")
        return device
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(setting: Any) -> Any:
    """A torch dtype for ``settings.torch_dtype``; ``"auto"`` / unset keeps the checkpoint's."""
    if setting in (None, "", "auto"):
        return "auto"
    import torch

    name = str(setting).replace("torch.", "")
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        from tui_notebook.parser_api import ParserError

        raise ParserError(f"settings.torch_dtype {setting!r} is not a torch dtype (try float32, float16, bfloat16)")
    return dtype


def _estimate_bytes(obj: Any) -> int:
    """Parameter + buffer bytes of every torch module reachable from ``obj`` (pipelines hold several)."""
    modules: list[Any] = []
    candidates = [obj]
    if isinstance(obj, tuple):
        candidates = list(obj)
    for item in candidates:
        if hasattr(item, "parameters") and callable(item.parameters):
            modules.append(item)
        model = getattr(item, "model", None)
        if model is not None and hasattr(model, "parameters"):
            modules.append(model)
        components = getattr(item, "components", None)
        if isinstance(components, dict):
            modules.extend(c for c in components.values() if hasattr(c, "parameters"))
    total = 0
    seen: set[int] = set()
    for module in modules:
        if id(module) in seen:
            continue
        seen.add(id(module))
        try:
            total += sum(p.numel() * p.element_size() for p in module.parameters())
            total += sum(b.numel() * b.element_size() for b in module.buffers())
        except Exception:  # noqa: BLE001 - an estimate; never fail a load over it
            pass
    return total


def _default_budget() -> int:
    env = os.environ.get("TUINB_MODEL_CACHE_MB")
    if env:
        try:
            return int(float(env) * 1024 * 1024)
        except ValueError:
            pass
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 8 * 1024**3
    return min(ram // 3, 8 * 1024**3)


@dataclass
class _Entry:
    value: Any
    size: int


@dataclass
class CacheStats:
    loads: dict[Hashable, int] = field(default_factory=dict)
    hits: int = 0
    evictions: int = 0


def cache_key(kind: str, model: str, **creation: Any) -> tuple:
    """A hashable key from the model and every setting that changes what gets loaded."""
    frozen = json.dumps({k: v for k, v in creation.items() if v is not None}, sort_keys=True, default=str)
    return (kind, model, frozen)


class ModelCache:
    def __init__(self, budget_bytes: int | None = None) -> None:
        self.budget = budget_bytes if budget_bytes is not None else _default_budget()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[Hashable, threading.Lock] = {}
        self.stats = CacheStats()

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The cached object for ``key``, loading it (once, even if two cells ask at the same time)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.stats.hits += 1
                return entry.value
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:  # another thread may have loaded it while we waited
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    self.stats.hits += 1
                    return entry.value
            value = load()
            size = _estimate_bytes(value)
            with self._lock:
                self._entries[key] = _Entry(value, size)
                self.stats.loads[key] = self.stats.loads.get(key, 0) + 1
                self._loading.pop(key, None)
                evicted = self._evict_locked(keep=key)
        if evicted:
            _release_memory()
        return value

    def _evict_locked(self, keep: Hashable) -> int:
        evicted = 0
        while self.total_bytes() > self.budget and len(self._entries) > 1:
            oldest = next(iter(self._entries))
            if oldest == keep:
                break
            del self._entries[oldest]
            self.stats.evictions += 1
            evicted += 1
        return evicted

    def total_bytes(self) -> int:
        return sum(e.size for e in self._entries.values())

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def unload(self, model: str | None = None) -> int:
        """Drop every cached model (or only those of ``model``); returns how many were dropped."""
        with self._lock:
            doomed = [k for k in self._entries if model is None or (isinstance(k, tuple) and k[1] == model)]
            for key in doomed:
                del self._entries[key]
        if doomed:
            _release_memory()
        return len(doomed)


def _release_memory() -> None:
    gc.collect()
    try:
        import sys

        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            torch.cuda.empty_cache()
    except Exception:  # noqa: BLE001
        pass


#: The process-wide cache every local parser uses.
CACHE = ModelCache()


def unload(model: str | None = None) -> int:
    return CACHE.unload(model)
