"""The one way tuinb writes a file: crash-safe for regular files, and never replacing what is not one.

Every file tuinb writes (notebooks, exports, Space folders, media, recovery files, config, trust records) goes
through :func:`write_file`. What happens depends on what the target is:

* a regular file, or nothing yet: the new content goes to a temp file in the same folder, is fsynced and renamed
  over the target, so the target is always either the old or the new content, never a mix. An existing file's
  permission bits (and, when allowed, its owner) are kept;
* a symlink: the write goes through to the file it points at (created if the link dangles); the link stays;
* a device, FIFO or ``-`` (standard output): written into as a stream. Renaming over them would replace the
  device node or pipe with a regular file;
* a folder: refused with :class:`NotAFileError`, nothing is written.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

STALE_TEMP_SECONDS = 600
"""A temp file this old beside the target was left by a save that died (kill -9, power loss): remove it."""

STDOUT = "-"
"""The target name that means standard output."""


class NotAFileError(IsADirectoryError):
    """The target is a folder (or something else a file cannot be written to); nothing was written."""


@dataclass(frozen=True)
class Written:
    """Where a write went: ``real`` is the file actually written (a symlink's target); ``streamed`` is True for
    devices, FIFOs and standard output, which hold no file content tuinb could read back."""

    path: Path
    real: Path
    streamed: bool


def is_stream_target(path: str | os.PathLike[str]) -> bool:
    """True for ``-`` and for an existing device or FIFO (after following symlinks)."""
    if os.fspath(path) == STDOUT:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_file(path: str | os.PathLike[str], data: bytes | str, *, encoding: str = "utf-8") -> Written:
    """Write ``data`` to ``path`` by the rules in the module docstring; return where it went."""
    if isinstance(data, str):
        data = data.encode(encoding)
    if os.fspath(path) == STDOUT:
        _write_stdout(data)
        return Written(Path(STDOUT), Path(STDOUT), True)
    given = Path(path)
    real = Path(os.path.realpath(given)) if os.path.islink(given) else given
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise NotAFileError(errno.EISDIR, "is a folder, not a file: give a file name", str(given))
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_stream(real, st, data)
        return Written(given, real, True)
    _replace_regular(real, data, st)
    return Written(given, real, False)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Written:
    """:func:`write_file` for text (the name every caller used before there was one writer)."""
    return write_file(path, text.encode(encoding))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Written:
    """:func:`write_file` for bytes (the name every caller used before there was one writer)."""
    return write_file(path, data)


def _write_stdout(data: bytes) -> None:
    out = getattr(sys.stdout, "buffer", None)
    if out is None:  # a text-only stdout (tests replace it): decode what we were given
        sys.stdout.write(data.decode("utf-8", errors="replace"))
    else:
        out.write(data)
    sys.stdout.flush()


def _write_stream(target: Path, st: os.stat_result, data: bytes) -> None:
    """Write into a device or FIFO in place. A FIFO nobody reads is an error, not a hang."""
    if stat.S_ISSOCK(st.st_mode):
        raise OSError(errno.ENXIO, "is a socket, not a file", str(target))
    if stat.S_ISFIFO(st.st_mode):
        import fcntl  # POSIX only, like FIFOs

        try:
            fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                raise OSError(errno.ENXIO, "is a pipe (FIFO) that nothing is reading", str(target)) from None
            raise
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)  # the reader sets the pace from here on
    else:
        fd = os.open(target, os.O_WRONLY)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()


def _replace_regular(target: Path, data: bytes, st: os.stat_result | None) -> None:
    """Write a temp file in the target's folder, fsync it, rename it over the target, fsync the folder.

    The temp file lives in the same folder so the rename stays on one filesystem (rename is atomic only there).
    """
    folder = target.parent if str(target.parent) else Path(".")
    _remove_stale_temps(folder, target.name)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if st is None:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
        else:
            os.chmod(tmp_name, stat.S_IMODE(st.st_mode))
            _keep_owner(tmp_name, st)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


def _keep_owner(tmp_name: str, st: os.stat_result) -> None:
    """Give the new file the old one's owner and group when allowed (root editing a user's file)."""
    if not hasattr(os, "chown"):  # pragma: no cover - Windows
        return
    tmp_st = os.stat(tmp_name)
    if (tmp_st.st_uid, tmp_st.st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.chown(tmp_name, st.st_uid, st.st_gid)
    except OSError:
        pass  # not allowed (another user's file): the content still wins over the owner


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
