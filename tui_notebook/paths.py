"""Where tuinb keeps its own files (platformdirs): config, trust records, caches, recovery files."""

from __future__ import annotations

import os
from pathlib import Path


def _dirs():
    import platformdirs

    return platformdirs.PlatformDirs("tuinb", appauthor=False)


def config_dir() -> Path:
    override = os.environ.get("TUINB_CONFIG_DIR")
    return Path(override) if override else Path(_dirs().user_config_dir)


def data_dir() -> Path:
    override = os.environ.get("TUINB_DATA_DIR")
    return Path(override) if override else Path(_dirs().user_data_dir)


def cache_dir() -> Path:
    override = os.environ.get("TUINB_CACHE_DIR")
    return Path(override) if override else Path(_dirs().user_cache_dir)


def config_file() -> Path:
    return config_dir() / "config.toml"


def trust_file() -> Path:
    return data_dir() / "trusted_parsers.json"


def recovery_dir() -> Path:
    """Crash-recovery copies of unsaved notebooks (only ever here, never beside a notebook)."""
    return data_dir() / "recovery"
