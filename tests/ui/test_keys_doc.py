"""The README's key table is the binding table: documentation cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from tui_notebook.ui import keys

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_key_table_matches_the_bindings():
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- keys:start[^>]*-->\n(.*?)\n<!-- keys:end -->", text, re.S)
    assert match, "README.md lost its generated keys section"
    assert match.group(1) == keys.markdown_table(), "run `python -m tui_notebook.ui.keys` and paste into README"


def test_every_binding_has_an_id_and_a_description():
    ids = [spec.id for spec in keys.KEYS]
    assert len(ids) == len(set(ids))
    assert all(spec.id and spec.description for spec in keys.KEYS)


def test_a_keymap_written_for_a_renamed_id_still_applies():
    assert keys.upgrade_keymap({"undo-delete": "u", "run-cell": "f5"}) == {"undo": "u", "run-cell": "f5"}
    assert keys.upgrade_keymap({"undo-delete": "u", "undo": "q"}) == {"undo": "q"}  # the new id wins
    assert all(new in keys.BY_ID and old not in keys.BY_ID for old, new in keys.RENAMED_IDS.items())
