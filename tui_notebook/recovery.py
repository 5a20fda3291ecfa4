"""Crash recovery: unsaved edits are copied to a file beside the notebook every few seconds.

No Textual imports; the UI drives :meth:`Autosaver.tick` from a timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .notebook import Notebook


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
    """``.<name>.tuinb-recovery`` beside the notebook; in the data dir for a notebook never saved."""
    raise NotImplementedError


class Autosaver:
    """Writes the notebook to its recovery file while it is dirty (never over the notebook itself)."""

    def __init__(self, notebook: Notebook, interval_seconds: float = 5.0) -> None:
        self.notebook = notebook
        self.interval_seconds = interval_seconds

    def tick(self) -> Path | None:
        """Write the recovery file if dirty and changed since the last write; returns the path written."""
        raise NotImplementedError

    def discard(self) -> None:
        """Delete the recovery file (after a successful save or a clean quit)."""
        raise NotImplementedError


def find_recovery(path: Path | None) -> RecoveryInfo | None:
    """A recovery file for ``path`` that is newer than the notebook file (or the notebook is missing)."""
    raise NotImplementedError


def restore(notebook: Notebook, info: RecoveryInfo) -> None:
    """Load the recovered content into ``notebook`` as an unsaved edit (the user then saves)."""
    raise NotImplementedError
