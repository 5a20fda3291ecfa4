"""Writing media to disk and handing files to the desktop: "save as", temporary copies, the system viewer.

The UI never writes files itself; it calls these. Writes go through the one file writer
(``document.atomic.write_file``): atomic for a regular file, so an interrupted save never leaves half an image
where the user asked for one; through a symlink; into a device or FIFO without replacing it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
        "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/flac": ".flac",
        "audio/mpeg": ".mp3", "audio/ogg": ".ogg", "audio/mp4": ".m4a", "audio/webm": ".webm"}


def extension_for(mime: str | None) -> str:
    return _EXT.get((mime or "").lower(), ".bin")


def safe_stem(text: str) -> str:
    """A file-name-safe version of a cell name (no separators, no leading dots)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "media"


def suggested_path(folder: Path, cell_name: str, index: int, mime: str | None) -> Path:
    """``<folder>/<cell>-<n>.<ext>``, numbered on so an existing file is never proposed."""
    stem = f"{safe_stem(cell_name)}-{index + 1}"
    ext = extension_for(mime)
    candidate = Path(folder) / f"{stem}{ext}"
    n = 2
    while candidate.exists():
        candidate = Path(folder) / f"{stem}-{n}{ext}"
        n += 1
    return candidate


class SaveError(Exception):
    """A save the user asked for could not be done; the message says why in plain words."""


def save_bytes(data: bytes, target: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    path = Path(target).expanduser()
    if path.is_dir():
        raise SaveError(f"{path} is a folder; add a file name")
    if not path.parent.is_dir():
        raise SaveError(f"the folder {path.parent} does not exist")
    if path.exists() and not overwrite:
        raise SaveError(f"{path.name} already exists")
    from ..document.atomic import write_file

    try:
        write_file(path, data)
    except OSError as exc:
        raise SaveError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def cached_copy(data: bytes, name: str, mime: str | None) -> Path:
    """A copy in the user cache dir (for players and viewers, which need a file). Content-addressed, so
    playing the same clip twice writes it once."""
    import hashlib

    from ..paths import cache_dir

    folder = cache_dir() / "media"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = folder / f"{safe_stem(name)}-{digest}{extension_for(mime)}"
    if not path.exists():
        save_bytes(data, path, overwrite=True)
    return path


def remote_session(environ: dict[str, str] | None = None) -> bool:
    """True when we run over SSH: then desktop viewers and speakers belong to the server, not the user."""
    env = os.environ if environ is None else environ
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))


def system_opener() -> str | None:
    if sys.platform == "darwin":
        return shutil.which("open")
    if sys.platform.startswith("win"):
        return None  # os.startfile, handled below
    return shutil.which("xdg-open")


def open_with_system_viewer(path: Path) -> str:
    """Open ``path`` with the desktop's default application. Returns a message for the user.

    Refuses over SSH (the window would open on the server, or nowhere). Never waits for the viewer.
    """
    if remote_session():
        return f"Remote session (SSH): not opening a viewer on the server. The file is {path}"
    if sys.platform.startswith("win"):  # pragma: no cover - not our CI
        os.startfile(str(path))  # type: ignore[attr-defined]
        return f"Opened {path.name}"
    opener = system_opener()
    if opener is None:
        return f"No system viewer found (xdg-open / open). The file is {path}"
    try:
        subprocess.Popen([opener, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        return f"Cannot start {Path(opener).name}: {exc}. The file is {path}"
    return f"Opened {path.name} with {Path(opener).name}"
