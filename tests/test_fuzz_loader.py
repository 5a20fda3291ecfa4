"""Property-based fuzzing of the loader: mutated corpus files and random JSON never raise anything but a
located DocumentError, and whatever loads saves and re-loads to the same bytes.

    .venv/bin/python -m pytest tests/test_fuzz_loader.py -q

Mutations: byte flips (including invalid UTF-8), truncation, deleted and duplicated keys, wrong types at random
paths, deep nesting, huge numbers, NaN / Infinity, lone-surrogate escapes; plus random JSON documents, both
shapeless and AIConfig-shaped. Set HYPOTHESIS_PROFILE=long for a longer run.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_locator import corpus_files
from tui_notebook.document import DocumentError, dumps, load_path, load_text

SOURCE = "fuzz.aiconfig.json"


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True

SYNTAX = ("invalid JSON", "not UTF-8", "invalid YAML")
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
FUZZ = settings(max_examples=2000 if LONG else 400, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_CORPUS = [p for p in corpus_files() if p.suffix == ".json" and p.stat().st_size < 300_000]
_TEXTS = {p.name: p.read_text(encoding="utf-8-sig") for p in _CORPUS}
_NAMES = sorted(_TEXTS)
_PARSEABLE = [n for n in _NAMES if _parses(_TEXTS[n])]
_SCRATCH = Path(tempfile.mkdtemp(prefix="tuinb-fuzz-"))


def check_load(text: str | None = None, raw: bytes | None = None) -> str:
    """Load; assert the outcome is a LoadResult or a fully located DocumentError. Returns which."""
    try:
        if raw is not None:
            path = _SCRATCH / SOURCE
            path.write_bytes(raw)
            result = load_path(path)
            source = str(path)
        else:
            result = load_text(text, source=SOURCE)
            source = SOURCE
    except DocumentError as exc:
        assert exc.problems, "a DocumentError without problems"
        for problem in exc.problems:
            assert problem.source.endswith(SOURCE), problem
            assert problem.message, problem
            if problem.message.startswith(SYNTAX):
                assert problem.line is not None and problem.col is not None, f"syntax error without line:col: {problem}"
            else:
                located = bool(problem.path) or (problem.line, problem.col) == (1, 1)
                assert located, f"schema error without a field path: {problem}"
        assert str(exc)  # formats without failing
        return "error"
    for warning in result.warnings:
        assert warning.source == source and warning.severity == "warning" and warning.path, warning
    # Whatever loads must save, and what was saved must load back and save to the same bytes. (The first
    # save may differ from the second in one SDK-exact way: a ``null`` that the SDK omits comes back as the
    # field's default, e.g. ``"settings": null`` -> omitted -> ``{}``; from then on the file is a fixpoint.)
    first = dumps(result.doc, "json")
    second = dumps(load_text(first, source="resaved").doc, "json")
    third = dumps(load_text(second, source="resaved").doc, "json")
    assert second == third, "save -> load -> save changed the bytes"
    if first != second:
        assert _without_defaults(json.loads(first)) == _without_defaults(json.loads(second)), \
            "the first re-load changed more than null-vs-default"
    return "loaded"


def _without_defaults(node: Any) -> Any:
    """The document with empty objects / lists dropped (what a null and a default both mean), also where they
    become empty once their own defaults are dropped: ``"metadata": {"parameters": null}`` saves as
    ``"metadata": {}`` and re-loads as ``"metadata": {"parameters": {}}``, which mean the same."""
    if isinstance(node, dict):
        kept = {k: _without_defaults(v) for k, v in node.items()}
        return {k: v for k, v in kept.items() if v not in ({}, [], None, "")}
    if isinstance(node, list):
        return [_without_defaults(v) for v in node]
    return node


# -- mutations on parsed corpus documents ------------------------------------------------------------------

_WEIRD_VALUES = st.sampled_from([
    None, True, 0, -1, 10 ** 400, -(10 ** 400), 1e308, 1.5, "", "x", "\ud800", "\udfff\ud800", "{{", "}}", [], {},
    [None], {"": None}, float("nan"), float("inf"), float("-inf"), "\x00\x1b[31m", "💥" * 10,
]).map(copy.deepcopy)  # a fresh [] / {} each time: never the same object in two places (or inside itself)


def _containers(node: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    found = []
    if isinstance(node, dict):
        found.append((path, node))
        for k, v in node.items():
            found.extend(_containers(v, path + (k,)))
    elif isinstance(node, list):
        found.append((path, node))
        for i, v in enumerate(node):
            found.extend(_containers(v, path + (i,)))
    return found


class Dup(dict):
    """A dict whose ``dup`` key is written twice (JSON allows it; the last one wins)."""

    dup: str = ""


class Nest:
    """``value`` inside ``depth`` lists, written without recursion (too deep for json.dumps)."""

    def __init__(self, value: Any, depth: int) -> None:
        self.value, self.depth = value, depth


def _encode(node: Any) -> str:
    if isinstance(node, Nest):
        return "[" * node.depth + _encode(node.value) + "]" * node.depth
    if isinstance(node, Dup) and node.dup in node:
        items = [f"{json.dumps(k)}: {_encode(v)}" for k, v in node.items()]
        items.insert(0, f"{json.dumps(node.dup)}: {_encode({'shadowed': True})}")
        return "{" + ", ".join(items) + "}"
    if isinstance(node, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_encode(v)}" for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_encode(v) for v in node) + "]"
    if isinstance(node, int) and not isinstance(node, bool):
        return str(node)  # huge ints stay exact
    return json.dumps(node)  # NaN / Infinity / lone surrogates as \udXXX escapes


@st.composite
def mutated_document(draw) -> str:
    data = json.loads(_TEXTS[draw(st.sampled_from(_PARSEABLE))])
    for _ in range(draw(st.integers(1, 4))):
        containers = _containers(data)
        path, node = draw(st.sampled_from(containers))
        op = draw(st.sampled_from(["delete", "duplicate", "retype", "nest", "insert"]))
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node, key=str)))
            if op == "delete":
                del node[key]
            elif op == "duplicate":
                replacement = Dup(node)
                replacement.dup = key
                node.clear()
                _replace(data, path, replacement)
            elif op == "retype":
                node[key] = draw(_WEIRD_VALUES)
            elif op == "nest":
                node[key] = Nest(node[key], draw(st.sampled_from([5, 50, 400, 5000, 100_000])))
            else:
                node[draw(st.text(max_size=8))] = draw(_WEIRD_VALUES)
        elif isinstance(node, list):
            if node and op == "delete":
                node.pop(draw(st.integers(0, len(node) - 1)))
            elif node and op == "retype":
                node[draw(st.integers(0, len(node) - 1))] = draw(_WEIRD_VALUES)
            else:
                node.append(draw(_WEIRD_VALUES))
    return _encode(data)


def _replace(root: Any, path: tuple, value: Any) -> None:
    node = root
    for part in path[:-1]:
        node = node[part]
    if path:
        node[path[-1]] = value


@FUZZ
@given(mutated_document())
def test_structurally_mutated_corpus_files(text):
    check_load(text)


@FUZZ
@given(st.sampled_from(_NAMES), st.data())
def test_byte_flipped_and_truncated_corpus_files(name, data):
    raw = bytearray(_TEXTS[name].encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    check_load(raw=bytes(raw))


# -- random JSON ------------------------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)
_MODEL = st.one_of(st.text(max_size=10), st.fixed_dictionaries({"name": st.text(max_size=10)},
                                                                optional={"settings": _JSON}), _JSON)
_OUTPUT = st.fixed_dictionaries(
    {"output_type": st.sampled_from(["execute_result", "error", "other", 3])},
    optional={"execution_count": _JSON, "data": _JSON, "metadata": _JSON, "mime_type": _JSON, "ename": _JSON,
              "evalue": _JSON, "traceback": _JSON})
_PROMPT = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=10), _JSON)},
    optional={"input": st.one_of(st.text(max_size=30), _JSON,
                                 st.fixed_dictionaries({}, optional={"data": _JSON, "attachments": _JSON})),
              "metadata": st.one_of(_JSON, st.fixed_dictionaries({}, optional={"model": _MODEL, "parameters": _JSON})),
              "outputs": st.one_of(_JSON, st.lists(_OUTPUT, max_size=3))})
_DOC = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=10), _JSON)},
    optional={"schema_version": st.one_of(st.just("latest"), _JSON), "description": _JSON,
              "metadata": st.one_of(_JSON, st.fixed_dictionaries({}, optional={
                  "parameters": _JSON, "models": _JSON, "default_model": _JSON, "model_parsers": _JSON})),
              "prompts": st.one_of(_JSON, st.lists(_PROMPT, max_size=4))})


@FUZZ
@given(st.one_of(_JSON, _DOC))
def test_random_json(value):
    check_load(json.dumps(value))


@FUZZ
@given(_DOC)
def test_random_aiconfig_shaped_documents(value):
    check_load(json.dumps(value, indent=2))


@FUZZ
@given(st.text(max_size=200))
def test_random_text(text):
    check_load(text)


@pytest.mark.parametrize("depth", [10, 900, 5000, 100_000])
def test_deep_nesting(depth):
    doc = {"name": "n", "metadata": {"parameters": {"deep": None}}, "prompts": []}
    text = json.dumps(doc).replace("null", "[" * depth + "]" * depth)
    check_load(text)


def test_the_corpus_itself_round_trips():
    outcomes = {check_load(text) for text in _TEXTS.values()}
    assert "loaded" in outcomes


def test_null_inside_an_object_that_then_saves_empty():
    """Found by the fuzzer: ``"metadata": {"parameters": null}`` saves as ``{}`` and re-loads with the default
    ``{"parameters": {}}`` (the SDK does the same); the second save is then a fixpoint."""
    text = ('{"name": "n", "schema_version": "latest", "metadata": {}, '
            '"prompts": [{"name": "p", "input": "x", "metadata": {"parameters": null}}]}')
    assert check_load(text) == "loaded"
