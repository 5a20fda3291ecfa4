"""Shared test setup.

Fixture modules live in ``tests/fixtures/*.py`` and are loaded automatically as pytest plugins, so adding one
never means editing this file. Every test runs with its own config/data dirs and without an HF token, so the
suite never reads or writes the developer's own tuinb settings and never authenticates anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_FIXTURES = Path(__file__).parent / "fixtures"
pytest_plugins = sorted(
    f"fixtures.{p.stem}" for p in _FIXTURES.glob("*.py") if not p.stem.startswith("_")
)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("TUINB_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("TUINB_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("TUINB_CACHE_DIR", str(base / "cache"))
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGING_FACE_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True, scope="session")
def _image_widgets_loaded():
    """Deterministic screens: textual-image (and numpy) are loaded before any app starts, so images and
    waveforms are drawn in their cell's first frame, as they are in a session once the first image loaded.
    The deferred path (first paint before textual-image is imported) has its own tests."""
    from tui_notebook.ui.media import graphics

    graphics.load_widgets()
