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


def test_a_ctrl_shift_letter_binding_answers_to_every_terminals_name_for_it():
    """tmux with extended-keys sends ctrl+shift+s as CSI 83;6u, which Textual names ctrl+shift+S; xterm's
    modifyOtherKeys form (CSI 27;6;83~) arrives as ctrl+S; kitty's CSI 115;6u as ctrl+shift+s."""
    from textual._xterm_parser import XTermParser

    [save_as] = [b for b in keys.bindings("app") if b.id == "save-as"]
    bound = {key.strip() for key in save_as.key.split(",")}
    for sequence in ("\x1b[83;6u", "\x1b[27;6;83~", "\x1b[115;6u"):
        [event] = list(XTermParser(debug=False).feed(sequence))
        assert event.key in bound, (sequence, event.key)
    assert keys.display_keys(save_as.key) == "^shift+s / alt+s"  # the other spellings are not shown
    assert keys.upgrade_keymap({"save-as": "ctrl+shift+x"}) == {"save-as": "ctrl+shift+x,ctrl+shift+X,ctrl+X"}
