"""The user's ``config.toml`` (theme, graphics, keymap, autosave interval): read leniently, written atomically.

No Textual imports: the command line reads this before deciding whether to start the UI at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Config:
    """Everything tuinb remembers between runs."""

    theme: str = "tuinb-dark"
    """Textual theme name (ours: ``tuinb-dark``, ``tuinb-light``; Textual's built-ins also work)."""
    graphics: str = "auto"
    """Image protocol: ``auto``, ``sixel``, ``tgp``, ``halfcell`` or ``none``."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys (comma-separated), applied with ``App.set_keymap``."""
    autosave_seconds: float = 5.0
    """How often unsaved edits are written to the recovery file beside the notebook."""
    media_as_files: bool = False
    """Write generated images/audio to files beside the notebook instead of base64 in the JSON."""
    extra: dict[str, object] = field(default_factory=dict)
    """Keys this version does not know, kept so saving never drops a newer tuinb's settings."""


def load_config(path: Path | None = None) -> tuple[Config, list[str]]:
    """Read the config file (default ``paths.config_file()``); never raises for bad content."""
    raise NotImplementedError


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write ``config`` atomically (default ``paths.config_file()``) and return the path written."""
    raise NotImplementedError
