"""App (UI core) test setup. The ``make_app`` fixture and the test parsers live in ``tests/fixtures/ui_app.py``
(auto-loaded); panel helpers are in ``panel_kit.py``.

Snapshot SVGs are stored in the repository's top-level ``snapshots/<test module>/`` folder instead of syrupy's
default ``tests/ui/__snapshots__``: we point pytest-textual-snapshot's extension there (a module whose baselines
still sit only in ``__snapshots__`` keeps using them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

SNAPSHOT_ROOT = Path(__file__).resolve().parents[2] / "snapshots"


def _snapshot_dirname(cls, *, test_location) -> str:  # noqa: ANN001
    legacy = Path(test_location.filepath).parent / "__snapshots__" / test_location.basename
    top = SNAPSHOT_ROOT / test_location.basename
    if legacy.is_dir() and not top.is_dir():
        return str(legacy)  # baselines not moved yet: keep using them until someone `git mv`s them
    return str(top)


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
