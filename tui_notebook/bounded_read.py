"""Read a file named by the user or by a notebook without trusting what the name points at.

A path can name a FIFO (the read blocks for ever), a device such as ``/dev/zero`` (the read never ends) or a
file far larger than any notebook. :func:`read_regular_file` opens without blocking, refuses anything that
is not a regular file, and reads at most ``max_bytes + 1`` bytes whatever ``stat`` says (a file can grow
between the check and the read).
"""

from __future__ import annotations

import os
import stat

__all__ = ["FileRefused", "read_regular_file"]


class FileRefused(OSError):
    """The path is not a regular file, or the file is larger than allowed. ``str()`` says which."""


def read_regular_file(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of ``path``, a regular file of at most ``max_bytes`` bytes; raises OSError otherwise."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileRefused(f"not a regular file ({_kind(mode)})")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise FileRefused(f"larger than {_size(max_bytes)}")
    return data


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):g} MB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):g} KB"
    return f"{count} bytes"
