"""The fast JSON writer must produce exactly json.dumps(obj, indent=2)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tui_notebook.document.json_writer import dumps_indent2

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.text(alphabet="AB+/="))
keys = st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
trees = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(keys, inner, max_size=4)), max_leaves=25)


@settings(max_examples=800, deadline=None)
@given(trees)
def test_same_bytes_as_json_dumps(tree):
    assert dumps_indent2(tree) == json.dumps(tree, indent=2)


def test_control_characters_quotes_and_del_are_escaped_like_json():
    for s in ["a\x7fb", 'q"uote', "back\\slash", "tab\t", "é", "😀", "\u2028", "plain base64+/="]:
        assert dumps_indent2([s]) == json.dumps([s], indent=2)
