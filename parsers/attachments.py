"""Attachments (audio, images) to bytes + MIME type, for remote and local parsers alike.

An attachment's ``data`` may be ``{kind: "file_uri", value}`` (http(s) URL, ``file://`` URI, absolute path,
or a path relative to the notebook), ``{kind: "base64", value}`` (optionally a ``data:`` URL), or, in older
files, a bare string path / URL. Reading everything to bytes here is what makes base64 attachments work for
ASR and image-to-text (the reference passed base64 text on as if it were a path).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_notebook.parser_api import Cancelled, CancelToken, ParserError

MAX_BYTES = 200 * 1024 * 1024  # a guard against pointing a cell at a huge download by mistake


@dataclass
class Blob:
    data: bytes
    mime_type: str
    name: str  # for messages: file name, URL or "base64 attachment"


def _value_and_kind(data: Any) -> tuple[str, str]:
    if isinstance(data, str):
        return "file_uri", data
    kind = getattr(data, "kind", None)
    value = getattr(data, "value", None)
    if isinstance(data, dict):
        kind, value = data.get("kind"), data.get("value")
    if kind in ("file_uri", "base64") and isinstance(value, str):
        return kind, value
    raise ParserError(f"attachment data must be a path, a URL, or {{kind, value}} with kind file_uri or base64; "
                      f"got {str(data)[:80]!r}")


def sniff_mime(data: bytes) -> str | None:
    """MIME type from the first bytes, for attachments and API replies that do not say what they are."""
    head = data[:16]
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "audio/webm"
    return None


def load_attachment(attachment: Any, notebook_dir: Path, token: CancelToken | None = None,
                    timeout: float = 30.0, gate: Any = None) -> Blob:
    """The attachment's bytes and MIME type (declared type first, then the name, then the content).

    A URL is fetched only from a public address unless ``gate`` (the run's :class:`RunGate`) allows the host;
    otherwise :class:`~tui_notebook.consent.NeedsConsent` is raised naming it."""
    data = getattr(attachment, "data", attachment)
    declared = getattr(attachment, "mime_type", None)
    if isinstance(attachment, dict):
        data, declared = attachment.get("data"), attachment.get("mime_type")
    kind, value = _value_and_kind(data)
    if kind == "base64":
        raw, data_url_mime = _decode_base64(value)
        name = "base64 attachment"
        guessed = data_url_mime
    else:
        raw, name = _read_uri(value.strip(), notebook_dir, token, timeout, gate)
        guessed = mimetypes.guess_type(urllib.parse.urlparse(name).path or name)[0]
    mime = declared or sniff_mime(raw) or guessed or "application/octet-stream"
    return Blob(raw, mime, name)


def _decode_base64(value: str) -> tuple[bytes, str | None]:
    mime = None
    text = value.strip()
    if text.startswith("data:") and "," in text:
        header, text = text.split(",", 1)
        mime = header[5:].split(";")[0] or None
    try:
        return base64.b64decode("".join(text.split()), validate=False), mime
    except (binascii.Error, ValueError) as exc:
        raise ParserError(f"attachment is marked base64 but is not valid base64 ({exc})") from None


def _read_uri(value: str, notebook_dir: Path, token: CancelToken | None, timeout: float,
              gate: Any = None) -> tuple[bytes, str]:
    parsed = urllib.parse.urlparse(value)
    if parsed.scheme in ("http", "https"):
        return _fetch(value, token, timeout, gate), value
    if parsed.scheme == "file":
        from urllib.request import url2pathname  # urllib.request pulls in http.client, ssl: ~15 ms at start-up

        path = Path(url2pathname(parsed.path))
    elif parsed.scheme == "data":
        return _decode_base64(value)[0], "data URL"
    else:
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = Path(notebook_dir) / path
    from tui_notebook.bounded_read import FileRefused, read_regular_file

    try:
        return read_regular_file(path, MAX_BYTES), str(path)  # never a FIFO or a device, never past MAX_BYTES
    except FileRefused as exc:
        raise ParserError(f"cannot read attachment {path}: {exc}") from None
    except FileNotFoundError:
        raise ParserError(f"attachment file not found: {path}") from None
    except IsADirectoryError:
        raise ParserError(f"attachment is a directory, not a file: {path}") from None
    except PermissionError:
        raise ParserError(f"cannot read attachment (permission denied): {path}") from None


def _fetch(url: str, token: CancelToken | None, timeout: float, gate: Any = None) -> bytes:
    """Download with a timeout, in chunks, stopping at once when the run is cancelled. Every hop (redirects
    too) connects to an address that is public or that ``gate`` allows."""
    from tui_notebook.addresses import PrivateAddress, open_checked
    from tui_notebook.consent import PRIVATE_URL, ConsentItem, NeedsConsent

    closed = threading.Event()
    allow = gate.address_allowed if gate is not None else (lambda host: False)
    try:
        response = open_checked(url, timeout, allow, headers={"User-Agent": "tuinb"})
    except PrivateAddress as exc:
        raise NeedsConsent([ConsentItem(PRIVATE_URL, exc.host)]) from None
    except Exception as exc:  # noqa: BLE001
        raise ParserError(f"cannot download attachment {url}: {exc}") from None

    def close() -> None:
        closed.set()
        try:
            response.close()
        except Exception:  # noqa: BLE001
            pass

    if token is not None:
        token.on_cancel(close)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            if token is not None and token.cancelled:
                raise Cancelled()
            chunk = response.response.read(64 * 1024)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_BYTES:
                raise ParserError(f"attachment {url} is larger than {MAX_BYTES // (1024 * 1024)} MB")
            chunks.append(chunk)
    except (Cancelled, ParserError):
        raise
    except Exception as exc:  # noqa: BLE001
        if closed.is_set():
            raise Cancelled() from None
        raise ParserError(f"download of attachment {url} failed: {exc}") from None
    finally:
        response.close()
    return b"".join(chunks)


def attachments_of(request_attachments: list[Any], accepts: tuple[str, ...], label: str) -> list[Any]:
    """The run's attachments, checked: at least one, each of an accepted MIME family when it declares one."""
    if not request_attachments:
        kinds = " or ".join(a.rstrip("/") for a in accepts) or "a file"
        raise ParserError(f"{label} needs an attachment ({kinds}); add one to the cell's input")
    for att in request_attachments:
        mime = getattr(att, "mime_type", None) or (att.get("mime_type") if isinstance(att, dict) else None)
        if mime and accepts and not any(mime.startswith(prefix) for prefix in accepts):
            raise ParserError(f"{label} accepts {', '.join(accepts)} attachments, not {mime}")
    return request_attachments


def check_blob(blob: Blob, accepts: tuple[str, ...], label: str) -> Blob:
    if accepts and blob.mime_type != "application/octet-stream" and \
            not any(blob.mime_type.startswith(prefix) for prefix in accepts):
        raise ParserError(f"{label} accepts {', '.join(accepts)} attachments; {blob.name} is {blob.mime_type}")
    return blob
