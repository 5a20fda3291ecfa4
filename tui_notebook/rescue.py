"""Keeping what a headless run computed when the notebook cannot be saved where asked (a full disk, a read-only
file system or folder, a file changed on disk): a complete copy of the notebook goes beside the file if that
folder takes it, else into the system's temporary folder. The caller says where it went, or prints the copy
when no folder takes it. The file that could not be written is never touched (saves are atomic).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from .document import atomic_write_text, dumps, is_yaml_path


def describe_os_error(exc: OSError) -> str:
    """The reason alone ("No space left on device"): the path the caller names is the one the user knows,
    not a temporary file's."""
    return exc.strerror or str(exc) or type(exc).__name__


def rescue_name(target: Path, stamp: str) -> str:
    """``story.aiconfig.json`` -> ``story.unsaved-<stamp>.aiconfig.json``: still a notebook by its name."""
    name = target.name
    if ".aiconfig." in name:
        stem, rest = name.split(".aiconfig.", 1)
        return f"{stem}.unsaved-{stamp}.aiconfig.{rest}"
    return f"{target.stem}.unsaved-{stamp}{target.suffix or '.json'}"


def notebook_text(doc, target: Path) -> str:  # noqa: ANN001
    return dumps(doc, "yaml" if is_yaml_path(target) else "json")


def write_rescue_copy(text: str, target: Path) -> Path | None:
    """Write ``text`` beside ``target``, else in the temporary folder; the path written, or None if neither
    folder takes it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in (target.parent if str(target.parent) else Path("."), Path(tempfile.gettempdir())):
        candidate = folder / rescue_name(target, stamp)
        counter = 1
        while os.path.lexists(candidate):
            counter += 1
            candidate = folder / rescue_name(target, f"{stamp}-{counter}")
        try:
            atomic_write_text(candidate, text)
        except OSError:
            continue
        return candidate
    return None
