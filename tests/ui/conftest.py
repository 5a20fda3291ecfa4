"""App (UI core) test setup. The ``make_app`` fixture and the test parsers live in ``tests/fixtures/ui_app.py``
(auto-loaded); panel helpers are in ``panel_kit.py``.

Snapshot SVGs are stored in the repository's top-level ``snapshots/`` folder instead of syrupy's default
``tests/ui/__snapshots__``: we point pytest-textual-snapshot's extension there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SNAPSHOT_ROOT = Path(__file__).resolve().parents[2] / "snapshots"


def _snapshot_dirname(cls, *, test_location) -> str:  # noqa: ANN001
    return str(SNAPSHOT_ROOT / test_location.basename)


try:
    from pytest_textual_snapshot import SVGImageExtension

    SVGImageExtension.dirname = classmethod(_snapshot_dirname)  # type: ignore[method-assign]
except ImportError:  # pragma: no cover - the plugin is a dev dependency
    pass


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch):
    """Deterministic screens: text cursors never blink in UI tests."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)
    monkeypatch.setattr(TextArea, "cursor_blink", False, raising=False)
