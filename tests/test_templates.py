"""The fast renderer must be indistinguishable from pybars3 (the SDK's engine) on every template."""

from __future__ import annotations

import string

import pybars
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_notebook.templates import TemplateError, render, template_variables, uses_pybars

_compiler = pybars.Compiler()


def pybars_render(template, context):
    try:
        return ("ok", str(_compiler.compile(template)(context)))
    except Exception:  # noqa: BLE001
        return ("error", None)


def ours(template, context):
    try:
        return ("ok", render(template, context))
    except TemplateError:
        return ("error", None)


CASES = [
    ("[{{x}}]", {}, "[]"),
    ("{{ x }}", {"x": "S"}, "S"),
    ("{{v}}", {"v": "<b>&\"'`=</b>"}, "&lt;b&gt;&amp;&quot;&#x27;&#x60;=&lt;/b&gt;"),
    ("{{{v}}}", {"v": "<b>"}, "<b>"),
    ("{{&v}}", {"v": "<b>"}, "<b>"),
    ("{{n}} {{b}} {{nb}} {{nul}}", {"n": 3, "b": True, "nb": False, "nul": None}, "3 true false "),
    ("{{o}}", {"o": {"a": 1}}, "{&#x27;a&#x27;: 1}"),
    ("{{l}}", {"l": [1, 2]}, "[1, 2]"),
    ("{{o.a}} {{x.y.z}}", {"o": {"a": 1}}, "1 "),
    ("{{#each items}}<{{this}}>{{/each}}", {"items": ["a", "b"]}, "<a><b>"),
    ("{{#if f}}y{{else}}n{{/if}}", {"f": 0}, "n"),
    ("{{! comment }}x", {}, "x"),
    ("\\{{x}}", {"x": "X"}, "\\X"),
    ("{{my-param}}", {"my-param": "v"}, "v"),
    ("Hi {{x", {"x": 1}, "Hi "),
    ("multi\nline {{v}}", {"v": "a\nb"}, "multi\nline a\nb"),
]


@pytest.mark.parametrize("template,context,expected", CASES)
def test_spec_table(template, context, expected):
    assert render(template, context) == expected
    assert pybars_render(template, context) == ("ok", expected)


def test_plain_tags_do_not_load_pybars():
    assert not uses_pybars("Hello {{name}}, {{{raw}}} and {{a.b}}")
    assert uses_pybars("{{#if x}}y{{/if}}") and uses_pybars("{{items}}") and uses_pybars("{{this}}")


def test_errors_become_template_errors():
    with pytest.raises(TemplateError):
        render("{{my param}}", {})


def test_template_variables_like_the_sdk():
    assert template_variables("{{a.output}} {{#if b.output}}x{{/if}} {{! c}} {{{d}}} {{#each e}}{{/each}}") == {
        "a", "b", "d", "e"}


# -- property-based differential test against pybars itself ------------------------------------------------

names = st.sampled_from(["x", "y", "a_b", "my-param", "items", "keys", "this", "if", "length", "output", "p1"])
paths = st.lists(names, min_size=1, max_size=3).map(".".join)
text = st.text(alphabet=string.ascii_letters + " <>&\"'`=\\{}\n.é😀", max_size=12)
tags = st.one_of(
    paths.map(lambda p: "{{%s}}" % p),
    paths.map(lambda p: "{{{%s}}}" % p),
    paths.map(lambda p: "{{&%s}}" % p),
    paths.map(lambda p: "{{ %s }}" % p),
    st.just("{{#if x}}X{{else}}Y{{/if}}"),
    st.just("{{! note }}"),
    st.just("{{"),
    st.just("}}"),
)
templates = st.lists(st.one_of(text, tags), max_size=6).map("".join)
leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False, width=32),
                 text)
values = st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(names, inner, max_size=3)), max_leaves=6)
contexts = st.dictionaries(names, values, max_size=5)


@settings(max_examples=600, deadline=None)
@given(templates, contexts)
def test_fast_path_matches_pybars(template, context):
    assert ours(template, context) == pybars_render(template, context)
