"""The images and audio of a cell (its attachments and outputs) as :class:`MediaRef`, and reading their bytes.

Reading a URL fetches it with a timeout (only when a preview or a run needs it, never while opening the
notebook); results are cached per process so scrolling back to a cell does not download again.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Origin = Literal["attachment", "output"]

_cache: dict[tuple[str, str], bytes] = {}
_cache_lock = threading.Lock()
_CACHE_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class MediaRef:
    origin: Origin
    index: int  # position among the cell's attachments / outputs
    mime: str
    kind: str  # "base64" | "file_uri"
    value: str

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")

    @property
    def is_audio(self) -> bool:
        return self.mime.startswith("audio/")

    @property
    def is_url(self) -> bool:
        return self.kind == "file_uri" and urllib.parse.urlparse(self.value).scheme in ("http", "https")

    @property
    def label(self) -> str:
        return f"{self.origin} {self.index + 1}"

    def where(self) -> str:
        """Path / URL, or a size for inline data (for captions)."""
        if self.kind == "file_uri":
            return self.value
        return f"{len(self.value) * 3 // 4:,} bytes inline"


def _kind_value(data: Any) -> tuple[str, str] | None:
    if isinstance(data, str):
        return "file_uri", data
    if isinstance(data, dict):
        kind, value = data.get("kind"), data.get("value")
    else:
        kind, value = getattr(data, "kind", None), getattr(data, "value", None)
    if kind in ("base64", "file_uri") and isinstance(value, str):
        return kind, value
    return None


def guess_mime(kind: str, value: str, declared: str | None) -> str:
    if declared:
        return declared
    if kind == "file_uri":
        return mimetypes.guess_type(urllib.parse.urlparse(value).path or value)[0] or ""
    if value.startswith("data:") and "," in value:
        return value[5:].split(",", 1)[0].split(";")[0]
    try:
        from ..parsers.attachments import sniff_mime

        head = base64.b64decode(value[:64] + "=" * (-len(value[:64]) % 4), validate=False)
        return sniff_mime(head) or ""
    except (binascii.Error, ValueError):
        return ""


def output_media(output: Any, index: int) -> MediaRef | None:
    """The media an output holds, or None for text / errors / JSON."""
    if getattr(output, "output_type", None) != "execute_result":
        return None
    data = output.data
    declared = getattr(output, "mime_type", None)
    if isinstance(data, str):
        # Legacy diffusers outputs: a raw base64 string with mime_type image/png (spec §7, pr461).
        if declared and declared.split("/")[0] in ("image", "audio"):
            return MediaRef("output", index, declared, "base64", data)
        return None
    kv = _kind_value(data)
    if kv is None:
        return None
    mime = guess_mime(kv[0], kv[1], declared)
    if mime.split("/")[0] not in ("image", "audio"):
        return None
    return MediaRef("output", index, mime, kv[0], kv[1])


def attachment_media(attachment: Any, index: int) -> MediaRef | None:
    kv = _kind_value(getattr(attachment, "data", None))
    if kv is None:
        return None
    mime = guess_mime(kv[0], kv[1], getattr(attachment, "mime_type", None))
    return MediaRef("attachment", index, mime or "application/octet-stream", kv[0], kv[1])


def prompt_media(prompt: Any) -> list[MediaRef]:
    """Attachments first (the cell's inputs), then outputs: the order the viewer steps through."""
    refs: list[MediaRef] = []
    inp = prompt.input
    for i, att in enumerate(getattr(inp, "attachments", None) or []):
        ref = attachment_media(att, i)
        if ref is not None and (ref.is_image or ref.is_audio):
            refs.append(ref)
    for i, out in enumerate(prompt.outputs or []):
        ref = output_media(out, i)
        if ref is not None:
            refs.append(ref)
    return refs


class MediaUnavailable(Exception):
    """The bytes could not be read (offline, missing file, bad base64); the message says why."""


def read_media(ref: MediaRef, notebook_dir: Path, *, timeout: float = 10.0, token: Any = None) -> bytes:
    """The bytes of ``ref``. URLs are fetched (with ``timeout``) and cached for the process."""
    key = (ref.kind, ref.value if ref.kind == "file_uri" else str(hash(ref.value)))
    if ref.is_url:
        with _cache_lock:
            if key in _cache:
                return _cache[key]
    from ..consent import NeedsConsent
    from ..parser_api import Cancelled, ParserError
    from ..parsers.attachments import load_attachment

    try:
        blob = load_attachment({"data": {"kind": ref.kind, "value": ref.value}, "mime_type": ref.mime},
                               Path(notebook_dir), token, timeout)
    except NeedsConsent as exc:  # previews never reach into this machine or the local network
        hosts = ", ".join(item.host or item.subject for item in exc.items)
        raise MediaUnavailable(f"not fetched: {hosts} is a local or private network address") from None
    except (ParserError, Cancelled) as exc:
        raise MediaUnavailable(str(exc) or "cancelled") from None
    if ref.is_url:
        with _cache_lock:
            if sum(len(v) for v in _cache.values()) + len(blob.data) > _CACHE_LIMIT:
                _cache.clear()
            _cache[key] = blob.data
    return blob.data


def local_path(ref: MediaRef, notebook_dir: Path) -> Path | None:
    """The file behind a ``file_uri`` ref that is a local path (not a URL), resolved against the notebook."""
    if ref.kind != "file_uri" or ref.is_url:
        return None
    parsed = urllib.parse.urlparse(ref.value)
    if parsed.scheme == "file":
        from urllib.request import url2pathname

        return Path(url2pathname(parsed.path))
    if parsed.scheme not in ("",) and len(parsed.scheme) > 1:
        return None
    path = Path(ref.value).expanduser()
    return path if path.is_absolute() else Path(notebook_dir) / path
