"""Crash-safe file replacement: the target is always either the old or the new content, never a mix."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path

STALE_TEMP_SECONDS = 600
"""A temp file this old beside the target was left by a save that died (kill -9, power loss): remove it."""


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temp file in the target's folder, fsync it, rename it over the target, fsync the folder.

    The temp file lives in the same folder so the rename stays on one filesystem (rename is atomic only there).
    The target's permission bits are kept; a new file gets the usual umask-derived mode.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    _remove_stale_temps(folder, target.name)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Delete leftovers of earlier interrupted saves of ``name``; recent ones may belong to a save in progress."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    try:
        leftovers = list(folder.glob(f".{name}.*.tmp"))
    except OSError:
        return
    for path in leftovers:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
