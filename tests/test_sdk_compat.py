"""tuinb against the reference SDK (python-aiconfig 1.1.34): saved bytes, resolved prompts, template rendering.

Three layers:

* goldens (``tests/goldens``, made by ``tests/oracle/make_goldens.py`` from the SDK) over the shared corpus of
  real files: no SDK needed at test time;
* a table of the spec's template rules (§2.3-2.7), with the expected strings written out;
* ``@pytest.mark.oracle`` tests that ask the live SDK (``tests/oracle/sdk_oracle.py serve`` in ``.sdk-venv``):
  hypothesis-generated templates and prompt chains, and a notebook edited and written by tuinb.
  Without the SDK venv these FAIL (run ``make sdk-venv``) unless ``TUINB_SKIP_ORACLE=1``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_locator import corpus_dir, corpus_files
from oracle_client import HOW_TO_CREATE, ORACLE_SCRIPT, SdkOracle, find_sdk_python
from tui_notebook.document import (
    AIConfig,
    Attachment,
    AttachmentDataWithStringValue,
    DocumentError,
    Error,
    ExecuteResult,
    ModelMetadata,
    OutputDataWithStringValue,
    Prompt,
    PromptInput,
    PromptMetadata,
    dumps,
    load_path,
    load_text,
    new_config,
)
from tui_notebook.resolve import ResolveError, resolve_prompt
from tui_notebook.templates import TemplateError, render

GOLDENS = Path(__file__).resolve().parent / "goldens"
FMT_GOLDENS = GOLDENS / "fmt"
RESOLVE_GOLDENS = GOLDENS / "resolve"
UNLOADABLE = json.loads((FMT_GOLDENS / "_unloadable.json").read_text(encoding="utf-8"))
FMT_NAMES = sorted(p.name for p in FMT_GOLDENS.iterdir() if p.name != "_unloadable.json")
RESOLVE_NAMES = sorted(p.name[: -len(".json")] for p in RESOLVE_GOLDENS.iterdir())
# Files the SDK refuses and that no repair makes loadable: tuinb must refuse them too, with a location.
REFUSED_NAMES = sorted(set(UNLOADABLE["unloadable"]) - set(UNLOADABLE["repaired"]))


def first_difference(expected: str, got: str) -> str:
    """Where two long texts first differ, as a readable message (a full diff of a 2 MB file helps nobody)."""
    exp_lines, got_lines = expected.split("\n"), got.split("\n")
    for i, (e, g) in enumerate(zip(exp_lines, got_lines)):
        if e != g:
            return (f"first difference at line {i + 1}:\n  SDK:   {e[:300]!r}\n  tuinb: {g[:300]!r}\n"
                    f"(SDK {len(expected)} chars / {len(exp_lines)} lines, tuinb {len(got)} / {len(got_lines)})")
    return (f"one is a prefix of the other: SDK {len(expected)} chars / {len(exp_lines)} lines, "
            f"tuinb {len(got)} / {len(got_lines)}; tail SDK {expected[-80:]!r} vs tuinb {got[-80:]!r}")


# ---------------------------------------------------------------------------------------------------------------
# Goldens over the corpus

def test_goldens_cover_the_corpus():
    """Every corpus file has a golden or is recorded as unloadable: a new corpus file needs `make goldens`."""
    names = {p.name for p in corpus_files()}
    covered = set(FMT_NAMES) | set(UNLOADABLE["unloadable"])
    assert names == covered, (
        f"corpus files without goldens: {sorted(names - covered)}; goldens without corpus file: "
        f"{sorted(covered - names)} -- regenerate with `make goldens`")
    assert set(RESOLVE_NAMES) == set(FMT_NAMES)


@pytest.mark.parametrize("name", FMT_NAMES)
def test_save_matches_sdk_bytes(name: str):
    """tuinb's save of a corpus file == AIConfigRuntime.load(f).save() (repaired copy for the 2 no-metadata files)."""
    result = load_path(corpus_dir() / name)
    expected = (FMT_GOLDENS / name).read_bytes().decode("utf-8")
    got = dumps(result.doc, mode=result.mode)
    assert got == expected, first_difference(expected, got)


@pytest.mark.parametrize("name", sorted(UNLOADABLE["repaired"]))
def test_repaired_files_load_with_a_located_warning(name: str):
    """Files the SDK refuses only for missing ExecuteResult.metadata open in tuinb, with a warning saying where."""
    result = load_path(corpus_dir() / name)
    output_warnings = [w for w in result.warnings if "outputs" in w.path and w.line is not None]
    assert output_warnings, f"no located warning about the repaired outputs in {result.warnings}"


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_unloadable_files_fail_with_a_located_error(name: str):
    """What the SDK cannot load, tuinb refuses too, pointing at the same line:col as json's own parser."""
    path = corpus_dir() / name
    with pytest.raises(DocumentError) as info:
        load_path(path)
    problem = info.value.problems[0]
    assert problem.line is not None and problem.col is not None, str(info.value)
    text = path.read_text(encoding="utf-8")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        assert (problem.line, problem.col) == (exc.lineno, exc.colno), str(info.value)
        assert str(problem).startswith(f"{path}:{exc.lineno}:{exc.colno}: "), str(problem)
    else:
        pytest.fail(f"{name} is valid JSON: add a check for why the SDK refuses it ({UNLOADABLE['unloadable'][name]})")


def test_the_invalid_json_corpus_file_is_covered():
    assert "main__cookbooks__RAG-with-MongoDB__rag.aiconfig.json" in REFUSED_NAMES


@pytest.mark.parametrize("name", RESOLVE_NAMES)
def test_resolved_prompts_match_sdk(name: str):
    """Each prompt's resolved template text == the SDK's resolve_prompt(prompt, {}, config); SDK errors -> ResolveError.

    The goldens are keyed by prompt name with the last prompt of a name winning, which is also the prompt
    tuinb picks for a name. All mismatches of a file are reported together.
    """
    doc = load_path(corpus_dir() / name).doc
    golden = json.loads((RESOLVE_GOLDENS / f"{name}.json").read_text(encoding="utf-8"))
    assert list(golden) == list(dict.fromkeys(p.name for p in doc.prompts)), "prompt names differ from the golden"
    mismatches = []
    for prompt_name, expected in golden.items():
        try:
            got: Any = resolve_prompt(doc, prompt_name).text
        except ResolveError as exc:
            got = {"error": f"ResolveError: {exc}"}
        if isinstance(expected, dict):
            if not isinstance(got, dict):
                mismatches.append(f"{prompt_name!r}: SDK raises {expected['error'][:200]!r}, tuinb resolves "
                                  f"{got[:200]!r}")
        elif got != expected:
            detail = got["error"] if isinstance(got, dict) else first_difference(expected, got)
            mismatches.append(f"{prompt_name!r}: SDK {expected[:200]!r}\n    tuinb: {detail}")
    assert not mismatches, f"{len(mismatches)} of {len(golden)} prompts differ:\n" + "\n".join(mismatches)


# ---------------------------------------------------------------------------------------------------------------
# The spec's template rules as a table (§2.5, §2.7), through render() and through resolve_prompt()

RAISES = TemplateError  # marker: pybars (and so the SDK) raises for this template
V = "<b>&\"'`=</b>"

TEMPLATE_CASES = [
    # (id, template, context, expected text or RAISES)
    ("missing-renders-empty", "[{{x}}]", {}, "[]"),
    ("inner-whitespace", "{{ x }}", {"x": "S"}, "S"),
    ("html-escaped", "{{v}}", {"v": V}, "&lt;b&gt;&amp;&quot;&#x27;&#x60;=&lt;/b&gt;"),
    ("triple-raw", "{{{v}}}", {"v": V}, V),
    ("ampersand-raw", "{{&v}}", {"v": V}, V),
    ("scalars", "{{n}} {{b}} {{nb}} {{nul}}", {"n": 3, "b": True, "nb": False, "nul": None}, "3 true false "),
    ("dict-repr-escaped", "{{o}}", {"o": {"a": 1}}, "{&#x27;a&#x27;: 1}"),
    ("list-repr", "{{l}}", {"l": [1, 2]}, "[1, 2]"),
    ("paths", "{{o.a}} {{l.[0]}} {{x.y.z}} {{a/b}}",
     {"o": {"a": 1}, "l": ["z"], "x": {"y": {"z": "Z"}}, "a": {"b": "B"}}, "1 z Z B"),
    ("each", "{{#each items}}<{{this}}>{{/each}}", {"items": ["a", "b"]}, "<a><b>"),
    ("if-true", "{{#if f}}y{{else}}n{{/if}}", {"f": True}, "y"),
    ("if-false", "{{#if f}}y{{else}}n{{/if}}", {"f": False}, "n"),
    ("with", "{{#with p}}{{first}}{{/with}}", {"p": {"first": "F"}}, "F"),
    ("lookup", '{{lookup . "a"}}', {"a": "A"}, "A"),
    ("parent-path-in-each", "{{#each l}}{{../x}}{{this}}{{/each}}", {"x": "X", "l": [1, 2]}, "X1X2"),
    # pybars quirk (verified against the SDK; §2.5 lists ../ without saying where): no parent scope in #with.
    ("parent-path-in-with-is-empty", "{{#with p}}[{{../x}}]{{/with}}", {"x": "X", "p": {"q": 1}}, "[]"),
    ("comment-removed", "a{{! comment }}b", {}, "ab"),
    ("no-backslash-escape", "\\{{x}}", {"x": "X"}, "\\X"),
    ("hyphen-and-bracket-names", "{{my-param}}|{{[my param]}}", {"my-param": "M", "my param": "S"}, "M|S"),
    ("space-in-name-raises", "{{my param}}", {"my param": "S"}, RAISES),
    ("dollar-raises", "{{$x}}", {"$x": "D"}, RAISES),
    ("unclosed-tag-truncates", "Hi {{x", {"x": "X"}, "Hi "),
    ("unclosed-block-truncates", "{{#if x}}unclosed", {"x": True}, ""),
    ("unclosed-block-drops-the-rest", "x {{#if y}} open", {}, "x "),
    ("unclosed-tag-drops-the-rest", "x {{ unclosed", {}, "x "),
    ("unknown-block-helper-shows-nothing", "x {{#foo y}} z {{/foo}} after", {}, "x  after"),
    ("multiline-verbatim", "<{{x}}>", {"x": "line 1\nline 2\n"}, "<line 1\nline 2\n>"),
]


@pytest.mark.parametrize("template,context,expected", [c[1:] for c in TEMPLATE_CASES],
                         ids=[c[0] for c in TEMPLATE_CASES])
def test_template_rules_render(template: str, context: dict, expected: Any):
    if expected is RAISES:
        with pytest.raises(TemplateError):
            render(template, context)
    else:
        assert render(template, context) == expected


def one_prompt_doc(template: str, parameters: dict[str, Any]) -> AIConfig:
    return load_text(json.dumps({
        "name": "table", "metadata": {"parameters": parameters, "default_model": "Text Generation"},
        "prompts": [{"name": "cell", "input": template}],
    })).doc


@pytest.mark.parametrize("template,context,expected", [c[1:] for c in TEMPLATE_CASES],
                         ids=[c[0] for c in TEMPLATE_CASES])
def test_template_rules_resolve(template: str, context: dict, expected: Any):
    doc = one_prompt_doc(template, context)
    if expected is RAISES:
        with pytest.raises(ResolveError):
            resolve_prompt(doc, "cell")
    else:
        assert resolve_prompt(doc, "cell").text == expected


def text_result(text: str) -> dict[str, Any]:
    return {"output_type": "execute_result", "execution_count": 0, "data": text, "metadata": {}}


WORKED_EXAMPLE = {  # spec §2.7, verbatim
    "name": "chain", "schema_version": "latest",
    "metadata": {"parameters": {"topic": "foxes", "city": "Paris"}, "default_model": "Text Generation"},
    "prompts": [
        {"name": "story", "input": "Write about {{topic}} in {{city}}", "metadata": {"parameters": {"city": "Rome"}},
         "outputs": [text_result("It's a tale")]},
        {"name": "title", "input": "Title for: {{story.output}} / raw: {{{story.output}}} / tpl: {{story.input}}"},
    ],
}

PRECEDENCE_DOC = {  # spec §2.3 / §2.4 rules on one small chain
    "name": "rules",
    "metadata": {"parameters": {"g": "global", "both": "global", "shadow": {"output": "param wins"}},
                 "default_model": "Text Generation"},
    "prompts": [
        {"name": "shadow", "input": "shadowed template", "outputs": [text_result("shadowed output")]},
        {"name": "two", "input": "two's template {{g}}",
         "outputs": [text_result("first output"), text_result("last <output>")]},
        {"name": "failed", "input": "f",
         "outputs": [{"output_type": "error", "ename": "Error", "evalue": "boom", "traceback": []}]},
        {"name": "media", "input": "m", "outputs": [{"output_type": "execute_result", "execution_count": 0,
                                                      "data": {"kind": "base64", "value": "iVBORw0KGgo="},
                                                      "mime_type": "image/png", "metadata": {}}]},
        {"name": "cell", "input": "{{both}}|{{local}}|{{shadow.output}}|[{{shadow.input}}]|{{two.output}}|"
                                  "{{{two.output}}}|{{two.input}}|[{{failed.output}}]|{{media.output}}|[{{later.output}}]"
                                  "|[{{cell.output}}]",
         "metadata": {"parameters": {"both": "local", "local": "local"}}, "outputs": [text_result("own")]},
        {"name": "later", "input": "x", "outputs": [text_result("later output")]},
    ],
}

RESOLVE_CASES = [
    # (id, doc, prompt, run-time params, expected)
    ("worked-example-story", WORKED_EXAMPLE, "story", None, "Write about foxes in Rome"),
    ("worked-example-title", WORKED_EXAMPLE, "title", None,
     "Title for: It&#x27;s a tale / raw: It's a tale / tpl: Write about {{topic}} in {{city}}"),
    ("worked-example-runtime", WORKED_EXAMPLE, "story", {"topic": "owls"}, "Write about owls in Rome"),
    ("runtime-over-local", WORKED_EXAMPLE, "story", {"city": "Oslo"}, "Write about foxes in Oslo"),
    ("precedence-and-references", PRECEDENCE_DOC, "cell", None,
     "local|local|param wins|[]|last &lt;output&gt;|last <output>|two&#x27;s template {{g}}|[]|iVBORw0KGgo=|[]|[]"),
    # A run-time parameter named like an earlier prompt replaces its whole {input, output} reference.
    ("runtime-replaces-reference", PRECEDENCE_DOC, "cell", {"two": "flat"},
     "local|local|param wins|[]||||[]|iVBORw0KGgo=|[]|[]"),
]


@pytest.mark.parametrize("doc,prompt,params,expected", [c[1:] for c in RESOLVE_CASES],
                         ids=[c[0] for c in RESOLVE_CASES])
def test_resolution_rules(doc: dict, prompt: str, params: dict | None, expected: str):
    assert resolve_prompt(load_text(json.dumps(doc)).doc, prompt, params).text == expected


# ---------------------------------------------------------------------------------------------------------------
# Live SDK oracle

@pytest.fixture(scope="session")
def sdk() -> Iterator[SdkOracle]:
    python = find_sdk_python()
    if python is None:
        if os.environ.get("TUINB_SKIP_ORACLE") == "1":
            pytest.skip("TUINB_SKIP_ORACLE=1: reference SDK oracle tests skipped")
        pytest.fail(HOW_TO_CREATE, pytrace=False)
    oracle = SdkOracle(python)
    yield oracle
    oracle.close()


@pytest.mark.oracle
@pytest.mark.parametrize("template,context,expected", [c[1:] for c in TEMPLATE_CASES],
                         ids=[c[0] for c in TEMPLATE_CASES])
def test_template_table_agrees_with_sdk(sdk: SdkOracle, template: str, context: dict, expected: Any):
    """The table above is the SDK's behaviour, not our reading of the spec."""
    reply = sdk.render(template, context)
    if expected is RAISES:
        assert "error" in reply, reply
    else:
        assert reply == {"resolved": expected}


@pytest.mark.oracle
@pytest.mark.parametrize("doc,prompt,params,expected", [c[1:] for c in RESOLVE_CASES],
                         ids=[c[0] for c in RESOLVE_CASES])
def test_resolution_table_agrees_with_sdk(sdk: SdkOracle, doc: dict, prompt: str, params: dict | None, expected: str):
    assert sdk.resolve(doc, prompt, params) == {"resolved": expected}


# --- each parser family's template and output-text rules, model by model ----------------------------------------

# Every family tuinb must mirror: oracle stubs (Gradio task, (Local) alias, HF class ids incl. the attachment
# ones, an unknown name) and the SDK's own built-ins.
FAMILY_MODELS = ["Text Generation", "Summarization (Local)", "Image-to-Text", "HuggingFaceText2ImageDiffusor",
                 "mystery-model", "HuggingFaceTextGenerationParser", "gpt-4", "AnyscaleEndpoint",
                 "models/text-bison-001", "models/chat-bison-001", "gemini-pro", "dall-e-3",
                 "ClaudeBedrockModelParser"]
OUTPUT_DATA = {
    "text": "it's <done>",
    "base64": {"kind": "base64", "value": "iVBORw0KGgo="},
    "object": {"role": "assistant", "content": "hello"},
    "list": [1, "two"],
    "number": 5,
    "null": None,
    "tool-calls": {"kind": "tool_calls", "value": [{"id": "call_1", "type": "function",
                                                    "function": {"name": "f", "arguments": "{}"}}]},
    "error-output": "ERROR",
}
INPUTS = {
    "string": "Hello {{x}}",
    "data-string": {"data": "Data {{x}}"},
    "chat-message": {"role": "user", "content": "Content {{x}}"},
    "gemini-contents": {"contents": "Contents {{x}}"},
    "attachments-only": {"attachments": [{"data": {"kind": "file_uri", "value": "https://e.x/a.png"},
                                          "mime_type": "image/png"}]},
}


def family_chain(model_name: str, first_input: Any, data: Any) -> dict[str, Any]:
    if data == "ERROR":
        first_output = {"output_type": "error", "ename": "Error", "evalue": "boom", "traceback": []}
    else:
        first_output = {"output_type": "execute_result", "execution_count": 0, "data": data, "metadata": {}}
    return {
        "name": "families", "metadata": {"parameters": {"x": "<X>"}},
        "prompts": [
            {"name": "p1", "input": first_input, "metadata": {"model": model_name}, "outputs": [first_output]},
            {"name": "p2", "input": "[{{{p1.output}}}] [{{{p1.input}}}]", "metadata": {"model": "Text Generation"}},
        ],
    }


def assert_same_resolution(sdk: SdkOracle, config: dict[str, Any], prompt: str | int,
                           params: dict[str, Any] | None = None) -> None:
    """tuinb resolves ``prompt`` to the SDK's text, or raises ResolveError exactly where the SDK raises."""
    expected = sdk.resolve(config, prompt, params)
    assert expected.get("stage") != "load", f"the SDK cannot load the test config: {expected['error']}"
    try:
        got = resolve_prompt(load_text(json.dumps(config)).doc, prompt, params).text
    except ResolveError as exc:
        assert "error" in expected, f"tuinb raises ResolveError({exc}), SDK resolves {expected['resolved']!r}"
        return
    assert "error" not in expected, f"SDK raises {expected['error'][:300]!r}, tuinb resolves {got!r}"
    assert got == expected["resolved"]


@pytest.mark.oracle
@pytest.mark.parametrize("data_kind", list(OUTPUT_DATA))
@pytest.mark.parametrize("model_name", FAMILY_MODELS)
def test_output_text_rules_match_sdk(sdk: SdkOracle, model_name: str, data_kind: str):
    """``{{p1.output}}`` for each kind of stored output, through each parser family's get_output_text."""
    assert_same_resolution(sdk, family_chain(model_name, "hi", OUTPUT_DATA[data_kind]), "p2")


@pytest.mark.oracle
@pytest.mark.parametrize("input_kind", list(INPUTS))
@pytest.mark.parametrize("model_name", FAMILY_MODELS)
def test_prompt_template_rules_match_sdk(sdk: SdkOracle, model_name: str, input_kind: str):
    """Which text gets templated for each input shape and family: the prompt itself, and ``{{p1.input}}``."""
    config = family_chain(model_name, INPUTS[input_kind], "out")
    assert_same_resolution(sdk, config, "p1")
    assert_same_resolution(sdk, config, "p2")


# --- hypothesis strategies ---------------------------------------------------------------------------------------

# Names chosen to collide: dict methods (pybars looks attributes up on dicts), helper names, prompt names that are
# also parameter names, and the reference keys themselves.
PARAM_NAMES = ["x", "y", "topic", "items", "keys", "values", "get", "lookup", "each", "if", "a-b", "output"]
PROMPT_NAMES = ["p1", "p2", "story", "x", "items"]
SUB_NAMES = ["output", "input", "a", "b", "items", "keys", "length"]
DICT_KEYS = ["a", "b", "x", "output", "input", "items", "keys"]
TEXT_CHARS = list("ab yz<>&\"'`=\\\n\t.é日😀") + ["{", "}"]

text_piece = st.text(alphabet=st.sampled_from(TEXT_CHARS), max_size=6)
root_name = st.sampled_from(PARAM_NAMES + PROMPT_NAMES + ["this"])
path = st.one_of(root_name, st.tuples(root_name, st.sampled_from(SUB_NAMES)).map(".".join))
# In chains, mostly reference earlier prompts: that is where parsers' output-text rules come into play.
prompt_ref = st.tuples(st.sampled_from(PROMPT_NAMES), st.sampled_from(["output", "output", "input"])).map(".".join)
comment = st.sampled_from(["{{! c}}", "{{! a {{x}} b }}", "{{!-- long --}}"])
each_extra = st.sampled_from(["{{this}}", "{{@index}}", "{{@key}}", "{{../x}}", "{{this.a}}", "{{{this}}}"])


def templates(paths: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    variable = st.tuples(st.sampled_from(["{{%s}}", "{{{%s}}}", "{{&%s}}", "{{ %s }}"]), paths).map(
        lambda t: t[0] % t[1])

    def blocks(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        body = st.lists(st.one_of(children, each_extra), max_size=3).map("".join)
        return st.one_of(
            st.tuples(paths, body, body).map(lambda t: f"{{{{#if {t[0]}}}}}{t[1]}{{{{else}}}}{t[2]}{{{{/if}}}}"),
            st.tuples(paths, body).map(lambda t: f"{{{{#if {t[0]}}}}}{t[1]}{{{{/if}}}}"),
            st.tuples(paths, body).map(lambda t: f"{{{{#each {t[0]}}}}}{t[1]}{{{{/each}}}}"),
        )

    # Kept small on purpose: pybars compiles with a slow PEG interpreter (tens of ms for a 150-character
    # template, on both sides of the comparison), and short templates already combine every construct.
    element = st.recursive(st.one_of(text_piece, variable, comment), blocks, max_leaves=4)
    return st.lists(element, max_size=5).map("".join)


template = templates(path)
chain_template = templates(st.one_of(prompt_ref, path))

scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 10**12),
    st.floats(allow_nan=False, allow_infinity=False), st.text(alphabet=st.sampled_from(TEXT_CHARS), max_size=8),
)
value = st.recursive(
    scalar,
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.sampled_from(DICT_KEYS), c, max_size=3)),
    max_leaves=6,
)
parameters = st.dictionaries(st.sampled_from(PARAM_NAMES + PROMPT_NAMES), value, max_size=4)

output = st.one_of(
    st.text(alphabet=st.sampled_from(TEXT_CHARS), max_size=8).map(text_result),
    st.sampled_from(["base64", "file_uri"]).map(lambda kind: {
        "output_type": "execute_result", "execution_count": 0, "data": {"kind": kind, "value": "iVBOR<w0>&"},
        "mime_type": "image/png", "metadata": {}}),
    value.map(lambda v: {"output_type": "execute_result", "execution_count": 1, "data": v, "metadata": {}}),
    st.just({"output_type": "execute_result", "execution_count": 0, "metadata": {"role": "assistant"},
             "data": {"kind": "tool_calls", "value": [{"id": "call_1", "type": "function",
                                                       "function": {"name": "f", "arguments": "{}"}}]}}),
    st.just({"output_type": "error", "ename": "Error", "evalue": "Error running prompt", "traceback": []}),
)
# Gradio task names and HF ids (stubbed in the oracle, catalogue entries in tuinb), SDK built-ins with their own
# output-text rules, an unknown name, and no model at all (-> default_model, or an error without one).
model = st.sampled_from(["Text Generation", "Summarization (Local)", "Image-to-Text", "HuggingFaceText2ImageDiffusor",
                         "HuggingFaceTextGenerationParser", "gpt-4", "models/text-bison-001", "models/chat-bison-001",
                         "gemini-pro", "dall-e-3", "ClaudeBedrockModelParser", "mystery-model", None])


@st.composite
def chain_config(draw) -> tuple[dict[str, Any], int, dict[str, Any]]:
    prompts = []
    for _ in range(draw(st.integers(2, 4))):
        prompt: dict[str, Any] = {"name": draw(st.sampled_from(PROMPT_NAMES)), "input": draw(chain_template)}
        metadata: dict[str, Any] = {}
        name = draw(model)
        if name is not None:
            metadata["model"] = name if draw(st.booleans()) else {"name": name, "settings": {}}
        local = draw(parameters)
        if local:
            metadata["parameters"] = local
        if metadata:
            prompt["metadata"] = metadata
        outputs = draw(st.lists(output, max_size=2))
        if outputs or draw(st.booleans()):
            prompt["outputs"] = outputs
        prompts.append(prompt)
    config = {"name": "chain", "metadata": {"parameters": draw(parameters),
                                            "default_model": draw(st.sampled_from([None, "Text Generation", "gpt-4"]))},
              "prompts": prompts}
    return config, draw(st.integers(0, len(prompts) - 1)), draw(parameters)


def _ours_render(template_text: str, context: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"resolved": render(template_text, context)}
    except TemplateError as exc:
        return {"error": f"TemplateError: {exc}"}


# Budgets: each example costs one SDK request plus tuinb's own pybars compile (~10-60 ms together); these counts
# keep both differential tests at ~40 s in total on 2 busy cores.
# TUINB_ORACLE_SCALE=10 multiplies them for a deeper search when working on templates or resolution.
def differential(max_examples: int) -> settings:
    scale = float(os.environ.get("TUINB_ORACLE_SCALE", "1"))
    # No deadline: a round trip to another process has jittery latency that says nothing about tuinb.
    return settings(max_examples=max(1, int(max_examples * scale)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow], print_blob=True)


@pytest.mark.oracle
@differential(max_examples=300)
@given(template_text=template, context=st.dictionaries(st.sampled_from(PARAM_NAMES + PROMPT_NAMES), value, max_size=5))
def test_render_matches_sdk(sdk: SdkOracle, template_text: str, context: dict[str, Any]):
    expected = sdk.render(template_text, context)
    got = _ours_render(template_text, context)
    if "error" in expected:
        assert "error" in got, f"SDK raises {expected['error']!r}, tuinb renders {got['resolved']!r}"
    else:
        assert got == expected


@pytest.mark.oracle
@differential(max_examples=200)
@given(case=chain_config())
def test_resolve_chain_matches_sdk(sdk: SdkOracle, case: tuple[dict[str, Any], int, dict[str, Any]]):
    config, index, params = case
    assert_same_resolution(sdk, config, index, params)


# --- a notebook written by tuinb loads in the SDK and saves to the same bytes -----------------------------------

PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


def edited_notebook() -> AIConfig:
    """A notebook built and edited through the pydantic models, the way the UI edits one."""
    doc = new_config("Edited in tuinb", description="café ☕ notebook")
    doc.metadata.parameters = {"topic": "foxes", "nested": {"a": [1, 2.5, None, True]}}
    doc.metadata.models = {"Text Generation": {"model": "HuggingFaceH4/zephyr-7b-beta", "max_new_tokens": 50}}
    doc.metadata.default_model = "Text Generation"
    doc.metadata.model_parsers = {"runwayml/stable-diffusion-v1-5": "Text-to-Image"}
    doc.prompts.append(Prompt(name="story", input="Write about {{topic}} — «ünïcödé»",
                              metadata=PromptMetadata(model=ModelMetadata(name="Text Generation",
                                                                          settings={"temperature": 0.7}),
                                                      parameters={"topic": "owls"})))
    doc.prompts.append(Prompt(name="picture", input="{{{story.output}}}",
                              metadata=PromptMetadata(model="runwayml/stable-diffusion-v1-5")))
    doc.prompts.append(Prompt(name="caption", input=PromptInput(attachments=[Attachment(
        data=AttachmentDataWithStringValue(kind="file_uri", value="https://example.com/fox.png"),
        mime_type="image/png")]), metadata=PromptMetadata(model="Image-to-Text", remember_chat_context=False)))
    doc.prompts.append(Prompt(name="failing", input="{{story.output}}", outputs=None))
    # Parameter edits after creation, as the parameter editor does them.
    doc.prompts[0].metadata.parameters["extra"] = "x\ny"
    doc.metadata.parameters["topic"] = "foxes & hounds"
    # Outputs of runs: text, base64 image (with the HF nsfw metadata), an Error (tuinb's failed-run record).
    doc.prompts[0].outputs = [ExecuteResult(output_type="execute_result", execution_count=0,
                                            data="Once upon a time…", metadata={})]
    doc.prompts[1].outputs = [ExecuteResult(output_type="execute_result", execution_count=0,
                                            data=OutputDataWithStringValue(kind="base64", value=PNG_1PX),
                                            mime_type="image/png", metadata={"nsfw_content_detected": False})]
    doc.prompts[2].outputs = [ExecuteResult(output_type="execute_result", execution_count=0,
                                            data="a fox", metadata={})]
    doc.prompts[3].outputs = [Error(output_type="error", ename="HTTPError", evalue="503 Service Unavailable",
                                    traceback=["line 1", "line 2"])]
    return doc


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["json", "yaml"])
def test_written_notebook_loads_in_sdk_and_saves_identically(sdk: SdkOracle, mode: str):
    text = dumps(edited_notebook(), mode=mode)
    reply = sdk.fmt(text, mode)
    assert "text" in reply, f"the SDK cannot load tuinb's file: {reply.get('error')}"
    assert reply["text"] == text, first_difference(reply["text"], text)
    # ...and tuinb reads its own file back to the same bytes.
    assert dumps(load_text(text, yaml_mode=mode == "yaml").doc, mode=mode) == text


@pytest.mark.oracle
def test_written_notebook_passes_sdk_check_command(sdk: SdkOracle, tmp_path: Path):
    """The one-shot `check` sub-command (what a user or CI would run on a saved file) accepts it too."""
    path = tmp_path / "edited.aiconfig.json"
    path.write_text(dumps(edited_notebook()), encoding="utf-8")
    run = subprocess.run([str(sdk.python), str(ORACLE_SCRIPT), "check", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr


@pytest.mark.oracle
def test_global_model_settings_edits_save_and_apply_as_in_the_sdk(sdk: SdkOracle):
    """Edits made in the global model settings editor: the SDK writes the file back byte for byte, and gives
    every prompt the same merged settings (global, then the prompt's own) as tuinb does."""
    from tui_notebook import Notebook
    from tui_notebook.registry import model_settings

    nb = Notebook.load(corpus_dir() / "main__cookbooks__Getting-Started__travel.aiconfig.json")
    nb.set_global_setting("gpt-4", "temperature", 0.25)
    nb.set_global_setting("gpt-4", "max_tokens", None)
    nb.set_global_setting("gpt-3.5-turbo", "top_p", 0.5)
    nb.delete_global_model("gpt-4")
    nb.undo()  # delete + undo moves nothing
    nb.add_global_model("Text Generation")
    nb.set_global_setting("Text Generation", "max_new_tokens", 12)
    nb.set_default_model("gpt-4")
    nb.set_setting(1, "temperature", 0.9)  # the prompt's own value wins over the global one
    text = nb.to_string()
    assert sdk.fmt(text) == {"text": text}
    reply = sdk.ask({"op": "settings", "text": text})
    ours = {p.name: model_settings(p, nb.doc) for p in nb.doc.prompts}
    assert reply == {"settings": ours}
    assert ours["gen_itinerary"]["temperature"] == 0.9 and "max_tokens" not in ours["gen_itinerary"]
