"""Crash recovery: unsaved edits are copied to a file in the user's data dir every few seconds.

No Textual imports; the UI drives :meth:`Autosaver.tick` from a timer. The recovery file is a complete
notebook in the SDK's JSON format (so any AIConfig tool can read it by hand in an emergency), written
atomically, and never the notebook file itself: autosave must not turn a half-finished edit into the
user's saved work.

Recovery files live only in the user's own data dir, named after the notebook's absolute path. A notebook's
folder may come from someone else (a download, a checkout, a Space), so a ``.NAME.tuinb-recovery`` file
beside it — where tuinb once kept them — is never read, offered or deleted.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .document import atomic_write_text, load_path
from .notebook import Notebook

SUFFIX = ".tuinb-recovery"
"""Ends every recovery file's name (so a user can find and delete stray ones)."""


@dataclass(frozen=True)
class RecoveryInfo:
    """A recovery file worth offering to the user."""

    path: Path
    """The recovery file."""
    notebook_path: Path | None
    """The notebook it belongs to (None for a notebook that was never saved)."""
    mtime: float
    """When the recovery file was last written (seconds since the epoch)."""
    prompt_count: int
    """How many cells the recovered notebook has (shown in the dialog)."""


def recovery_path(notebook_path: Path | None) -> Path:
    """The recovery file for ``notebook_path``: in the data dir, keyed by the absolute path, so two notebooks
    with the same name never share one and nothing in the notebook's folder is ever taken for one."""
    folder = paths.recovery_dir()
    if notebook_path is None:
        return folder / f"untitled{SUFFIX}"
    absolute = str(Path(notebook_path).resolve())
    digest = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return folder / f"{Path(notebook_path).name[:80]}.{digest}{SUFFIX}"


def legacy_recovery_path(notebook_path: Path) -> Path:
    """Where older versions put the recovery file: beside the notebook. Never read: anyone can ship one."""
    notebook_path = Path(notebook_path)
    return notebook_path.parent / f".{notebook_path.name}{SUFFIX}"


def ignored_legacy_file(notebook_path: Path | None) -> Path | None:
    """A recovery file beside the notebook, if one is there: never offered or deleted, only pointed out (it
    may be the user's own from an older version, or it may have come with the notebook)."""
    if notebook_path is None:
        return None
    candidate = legacy_recovery_path(notebook_path)
    return candidate if candidate.is_file() else None


def _prepare_folder(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # recovered notebooks are the user's only


class Autosaver:
    """Writes the notebook to its recovery file while it is dirty (never over the notebook itself)."""

    def __init__(self, notebook: Notebook, interval_seconds: float = 5.0) -> None:
        self.notebook = notebook
        """The notebook being protected."""
        self.interval_seconds = interval_seconds
        """How often the UI should call :meth:`tick` (the timer lives in the UI)."""
        self.last_revision: int | None = None
        """``notebook.revision`` at the last write; equal means nothing new to write."""
        self.written: set[Path] = set()
        """Recovery files this autosaver wrote (only these are ever deleted by it)."""
        self.last_error: str | None = None
        """Why the last write failed, for the UI to show; None after a good write."""

    def tick(self) -> Path | None:
        """Write the recovery file if dirty and changed since the last write; returns the path written.

        Once the notebook is clean again (saved), the recovery files written earlier are deleted: they
        hold nothing the notebook file does not.
        """
        notebook = self.notebook
        if not notebook.dirty:
            if self.written:
                self.discard()
            return None
        with notebook.lock:
            revision = notebook.revision
            if revision == self.last_revision:
                return None
            text = notebook.to_string("json")
            notebook_path = notebook.path
        target = recovery_path(notebook_path)
        try:
            _prepare_folder(target)
            atomic_write_text(target, text)
        except OSError as exc:
            self.last_error = f"cannot write the recovery file {target}: {exc}"
            return None
        # After "save as" the recovery file moves with the notebook; the old one is stale.
        for stale in self.written - {target}:
            _unlink(stale)
        self.written = {target}
        self.last_revision = revision
        self.last_error = None
        return target

    def discard(self) -> None:
        """Delete the recovery file (after a successful save or a clean quit)."""
        for path in self.written | {recovery_path(self.notebook.path)}:
            _unlink(path)
        self.written.clear()
        self.last_revision = None


def find_recovery(path: Path | None) -> RecoveryInfo | None:
    """A recovery file for ``path`` that is newer than the notebook file (or the notebook is missing).

    A recovery file identical to the notebook file, or one that cannot be read as a notebook, is not
    offered: restoring it could only confuse.
    """
    notebook_path = Path(path) if path is not None else None
    try:
        notebook_stat = notebook_path.stat() if notebook_path is not None else None
    except FileNotFoundError:
        notebook_stat = None
    candidate = recovery_path(notebook_path)
    try:
        stat = candidate.stat()
    except FileNotFoundError:
        return None
    if notebook_stat is not None and stat.st_mtime_ns <= notebook_stat.st_mtime_ns:
        return None
    try:
        if notebook_path is not None and notebook_stat is not None:
            if candidate.read_bytes() == notebook_path.read_bytes():
                return None
        result = load_path(candidate)
    except Exception:  # noqa: BLE001 - an unreadable recovery file is not worth offering
        return None
    return RecoveryInfo(candidate, notebook_path, stat.st_mtime, len(result.doc.prompts))


def restore(notebook: Notebook, info: RecoveryInfo) -> None:
    """Load the recovered content into ``notebook`` as an unsaved edit (the user then saves).

    The notebook keeps its path and what it knows about the file on disk, so saving still detects an
    external change and the recovery file stays until the next save or a clean quit.
    """
    notebook.replace_document(load_path(info.path).doc)


def discard_recovery(info: RecoveryInfo) -> None:
    """Delete an offered recovery file (the user chose "discard"); works without an Autosaver, e.g.
    when autosave is off or the notebook is opened read-only."""
    _unlink(info.path)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        pass
