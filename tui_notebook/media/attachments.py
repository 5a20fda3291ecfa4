"""Making attachments (ASR / image-to-text inputs) from a local path or a URL, and the outside-folder rule.

Local files are stored as a ``file_uri`` relative to the notebook, so a notebook folder can be moved or
shared as a whole; ``embed=True`` stores base64 instead (self-contained, larger file). URLs are stored as
they are and never fetched here: previews and runs fetch them when they need the bytes.

Privacy rule (issue 5): nothing is uploaded anywhere except to the endpoint the cell runs on, and a local
file from *outside* the notebook's folder goes to a remote endpoint only after the user agrees.
:func:`outside_files` is what the engine checks before a remote run.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import urllib.parse
from pathlib import Path
from typing import Any

from ..document.models import Attachment, AttachmentDataWithStringValue


class AttachmentError(ValueError):
    pass


def is_url(text: str) -> bool:
    return urllib.parse.urlparse(text.strip()).scheme in ("http", "https")


def detect_mime(path: Path) -> str:
    """From the content first (a .bin that is really a WAV is still audio), then the name."""
    from ..parsers.attachments import sniff_mime

    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise AttachmentError(f"cannot read {path}: {exc.strerror or exc}") from None
    return sniff_mime(head) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def make_attachment(source: str, notebook_dir: Path, *, embed: bool = False) -> Attachment:
    """An Attachment for a local path (relative to ``notebook_dir`` or absolute, ``~`` ok) or an http(s) URL."""
    text = source.strip()
    if not text:
        raise AttachmentError("type a file path or a URL")
    if is_url(text):
        if embed:
            raise AttachmentError("URL attachments are stored as links; download the file to embed it")
        mime = mimetypes.guess_type(urllib.parse.urlparse(text).path)[0]
        return Attachment(data=AttachmentDataWithStringValue(kind="file_uri", value=text), mime_type=mime)
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = Path(notebook_dir) / path
    if not path.is_file():
        raise AttachmentError(f"no such file: {path}")
    mime = detect_mime(path)
    if embed:
        value = base64.b64encode(path.read_bytes()).decode("ascii")
        return Attachment(data=AttachmentDataWithStringValue(kind="base64", value=value), mime_type=mime)
    return Attachment(data=AttachmentDataWithStringValue(kind="file_uri", value=relative_uri(path, notebook_dir)),
                      mime_type=mime)


class AttachmentTypeWarning(UserWarning):
    """An attachment whose type the cell's task does not take (audio on Image-to-Text)."""


def type_mismatch(attachment: Any, accepts: tuple[str, ...], label: str) -> str | None:
    """Why ``attachment`` does not fit a cell that takes ``accepts`` (MIME prefixes), or None when it fits or
    its type is unknown (a URL without an extension: the run finds out)."""
    mime = getattr(attachment, "mime_type", None)
    if not accepts or not mime or mime == "application/octet-stream":
        return None
    if any(mime.startswith(prefix) for prefix in accepts):
        return None
    value = getattr(getattr(attachment, "data", None), "value", "")
    shown = "this file" if getattr(attachment.data, "kind", "") == "base64" else (
        urllib.parse.urlparse(value).path.rsplit("/", 1)[-1] or value)
    kinds = " or ".join(prefix.rstrip("/") for prefix in accepts)
    return f"{shown} is {mime}, but {label} takes {kinds} files"


def relative_uri(path: Path, notebook_dir: Path) -> str:
    """``path`` relative to the notebook (POSIX separators, like the SDK writes), absolute if on another drive."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(notebook_dir).resolve())).as_posix()
    except ValueError:  # pragma: no cover - Windows, different drive
        return Path(path).resolve().as_posix()


def _local_path(data: Any, notebook_dir: Path) -> Path | None:
    if isinstance(data, str):
        kind, value = "file_uri", data
    else:
        kind = getattr(data, "kind", None) if not isinstance(data, dict) else data.get("kind")
        value = getattr(data, "value", None) if not isinstance(data, dict) else data.get("value")
    if kind != "file_uri" or not isinstance(value, str):
        return None
    parsed = urllib.parse.urlparse(value.strip())
    if parsed.scheme in ("http", "https", "data"):
        return None
    if parsed.scheme == "file":
        from urllib.request import url2pathname

        return Path(url2pathname(parsed.path))
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() else Path(notebook_dir) / path


def outside_files(attachments: list[Any], notebook_dir: Path) -> list[Path]:
    """Local files among ``attachments`` that are not inside ``notebook_dir`` (after resolving ``..`` and
    symlinks, so ``../secret.wav`` or a symlink out of the folder counts as outside)."""
    root = Path(notebook_dir).resolve()
    outside: list[Path] = []
    for att in attachments:
        path = _local_path(getattr(att, "data", att.get("data") if isinstance(att, dict) else None), notebook_dir)
        if path is None:
            continue
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            outside.append(resolved)
    return outside
