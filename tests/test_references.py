"""Empty references are named before anything is sent: the core check, `tuinb resolve/run/validate`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tui_notebook.document import load_path
from tui_notebook.document.models import AIConfig
from tui_notebook.resolve import check_references, referenceable, resolve_prompt

PY = sys.executable


def tuinb(*args):
    return subprocess.run([PY, "-m", "tui_notebook", *map(str, args)], capture_output=True, text=True, timeout=120)


NOTEBOOK = {
    "name": "refs", "metadata": {"parameters": {"topic": "owls"}, "default_model": "Echo"},
    "prompts": [
        {"name": "first", "input": "About {{topic}}"},
        {"name": "mid", "input": "{{topic}} {{nope}} {{story.output}} {{first.output}} {{first.input}}"
                                 "{{#if later}}{{later}}{{/if}}"},
        {"name": "story", "input": "Tell a story"},
    ],
}

SENDING_PARSERS = '''
from pathlib import Path
from tui_notebook.parser_api import ModelParser, text_output

class Echo(ModelParser):
    id = "Echo"
    def run(self, request, ctx):
        with open(Path(__file__).with_name("sent.txt"), "a") as sent:
            sent.write(request.prompt_name + "\\n")
        return [text_output(request.prompt_text.upper())]

def register_model_parsers(registry):
    registry.register(Echo())
'''


def doc_of(data: dict) -> AIConfig:
    return AIConfig.model_validate(data)


@pytest.fixture
def notebook(tmp_path):
    path = tmp_path / "refs.aiconfig.json"
    path.write_text(json.dumps(NOTEBOOK))
    (tmp_path / "model_parsers.py").write_text(SENDING_PARSERS)
    return path


def test_check_names_each_empty_reference_and_why():
    report = check_references(doc_of(NOTEBOOK), "mid")
    assert [str(p) for p in report.problems] == [
        "{{nope}}: no such parameter",
        "{{story.output}}: cell 'story' is below this one",
        "{{first.output}}: cell 'first' has no output yet",
        "{{#if later}}: no such parameter",
    ]
    assert report.error is None
    assert report.tags() == {"nope", "story.output", "first.output", "#if later"}


def test_check_knows_run_time_parameters_and_earlier_outputs():
    data = json.loads(json.dumps(NOTEBOOK))
    data["prompts"][0]["outputs"] = [{"output_type": "execute_result", "execution_count": 0, "data": "ok",
                                      "metadata": {}}]
    report = check_references(doc_of(data), "mid", {"nope": "given", "later": ""})
    assert [p.kind for p in report.problems] == ["below"]


def test_check_does_not_change_rendering():
    doc = doc_of(NOTEBOOK)
    before = resolve_prompt(doc, "mid").text
    check_references(doc, "mid")
    assert resolve_prompt(doc, "mid").text == before == "owls    About {{topic}}"


def test_unreferenceable_cell_name_is_a_template_error_that_names_the_cell():
    data = {"name": "x", "metadata": {"default_model": "Echo"}, "prompts": [
        {"name": "my idea", "input": "idea"}, {"name": "use", "input": "Use {{my idea.output}}"}]}
    report = check_references(doc_of(data), "use")
    assert report.error is not None
    assert "'my idea' cannot be used in a template" in report.error and "my_idea" in report.error
    assert not referenceable("my idea") and referenceable("my-idea") and referenceable("idea_2")


def test_resolve_prints_one_warning_per_empty_reference(notebook):
    result = tuinb("resolve", notebook, "mid")
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == ["mid: warning: {{nope}}: no such parameter",
                        "mid: warning: {{story.output}}: cell 'story' is below this one",
                        "mid: warning: {{first.output}}: cell 'first' has no output yet",
                        "mid: warning: {{#if later}}: no such parameter"]
    assert result.stdout.startswith("owls ")


def test_resolve_strict_exits_2(notebook):
    result = tuinb("resolve", notebook, "--strict")
    assert result.returncode == 2
    assert "--strict" in result.stderr and result.stdout == ""
    assert tuinb("resolve", notebook, "first", "--strict").returncode == 0


def test_resolve_template_error_is_exit_2(tmp_path):
    path = tmp_path / "bad.aiconfig.json"
    path.write_text(json.dumps({"name": "x", "metadata": {"default_model": "gpt-4"}, "prompts": [
        {"name": "my idea", "input": "idea"}, {"name": "use", "input": "Use {{my idea.output}}"}]}))
    result = tuinb("resolve", path)
    assert result.returncode == 2
    assert "cannot be used in a template" in result.stderr


def test_run_strict_sends_nothing(notebook):
    result = tuinb("run", notebook, "mid", "--strict", "--trust-parsers")
    assert result.returncode == 2
    assert "{{nope}}: no such parameter" in result.stderr and "nothing was run" in result.stderr
    assert not (notebook.parent / "sent.txt").exists()


def test_run_warns_then_sends(notebook):
    result = tuinb("run", notebook, "mid", "--trust-parsers")
    assert result.returncode == 0, result.stderr
    assert "mid: warning: {{nope}}: no such parameter" in result.stderr
    assert (notebook.parent / "sent.txt").read_text() == "mid\n"


def test_run_with_deps_does_not_warn_about_outputs_it_produces_first(notebook):
    result = tuinb("run", notebook, "mid", "--with-deps", "--trust-parsers", "-p", "nope=x")
    assert result.returncode == 0, result.stderr
    assert "has no output yet" not in result.stderr
    assert "cell 'story' is below this one" in result.stderr
    assert (notebook.parent / "sent.txt").read_text() == "first\nmid\n"


def test_run_template_error_is_exit_2_and_sends_nothing(tmp_path):
    path = tmp_path / "bad.aiconfig.json"
    path.write_text(json.dumps({"name": "x", "metadata": {"default_model": "Echo"}, "prompts": [
        {"name": "my idea", "input": "idea"}, {"name": "use", "input": "Use {{my idea.output}}"}]}))
    (tmp_path / "model_parsers.py").write_text(SENDING_PARSERS)
    result = tuinb("run", path, "--all", "--trust-parsers")
    assert result.returncode == 2
    assert "'my idea' cannot be used in a template" in result.stderr
    assert not (tmp_path / "sent.txt").exists()


def test_validate_warns_about_unreachable_names_and_missing_cells(tmp_path):
    path = tmp_path / "v.aiconfig.json"
    path.write_text(json.dumps({"name": "x", "metadata": {"default_model": "gpt-4"}, "prompts": [
        {"name": "my idea", "input": "idea"},
        {"name": "use", "input": "{{ghost.output}} {{later.output}}"},
        {"name": "later", "input": "x"}]}))
    result = tuinb("validate", path)
    assert result.returncode == 0
    out = result.stdout
    assert "prompts[0] (my idea): no template can reference this cell" in out and "'my_idea'" in out
    assert "prompts[1] (use): {{ghost.output}}: no cell or parameter named 'ghost'" in out
    assert "prompts[1] (use): {{later.output}}: cell 'later' is below this one" in out
    assert ": ok (" not in out
    assert load_path(path).doc.prompts[0].name == "my idea"  # validate writes nothing


def test_every_corpus_prompt_can_be_checked_and_renders_the_same():
    """The check never raises on real notebooks, and resolving after it gives the same text as before."""
    from corpus_locator import corpus_files
    from tui_notebook.document import DocumentError
    from tui_notebook.resolve import ResolveError, resolve_all

    checked = 0
    for path in corpus_files():
        try:
            doc = load_path(path).doc
        except DocumentError:
            continue
        before = [r.text if not isinstance(r, ResolveError) else str(r) for r in resolve_all(doc)]
        for index in range(len(doc.prompts)):
            report = check_references(doc, index)
            assert all(str(p).startswith("{{") for p in report.problems), path
            checked += 1
        after = [r.text if not isinstance(r, ResolveError) else str(r) for r in resolve_all(doc)]
        assert after == before, path
    assert checked > 50


def test_a_shared_cell_name_is_named_as_the_reason():
    # The SDK's earlier-prompt view stops at the first cell bearing the current name, so the second "p" cannot
    # reach the first one's output.
    data = {"name": "x", "metadata": {"default_model": "gpt-4"}, "prompts": [
        {"name": "p", "input": "What are transformers"}, {"name": "p", "input": "Analyse: {{p.output}}"}]}
    report = check_references(doc_of(data), 1)
    assert [str(p) for p in report.problems] == ["{{p.output}}: several cells are named 'p'; rename the one to "
                                                 "reference"]


def one_cell(template: str, parameters: dict | None = None) -> AIConfig:
    return doc_of({"name": "x", "metadata": {"default_model": "gpt-4", "parameters": parameters or {}},
                   "prompts": [{"name": "cell", "input": template}]})


def test_a_tag_or_block_never_closed_is_named_with_what_it_drops():
    tag = check_references(one_cell("x {{ unclosed"), 0)
    assert [str(p) for p in tag.problems] == [
        "{{ unclosed: this tag is never closed; the SDK drops the rest of the prompt"]
    block = check_references(one_cell("x {{#if y}} open", {"y": "v"}), 0)
    assert [str(p) for p in block.problems] == [
        "{{#if y}}: this block is never closed (no {{/if}}); the SDK drops the rest of the prompt"]
    assert [p.kind for p in tag.problems + block.problems] == ["unclosed", "unclosed"]
    # rendering is the SDK's (tests/test_sdk_compat.py checks these against it): the rest is dropped
    assert resolve_prompt(one_cell("x {{ unclosed"), 0).text == "x "
    assert resolve_prompt(one_cell("x {{#if y}} open", {"y": "v"}), 0).text == "x "


def test_unknown_names_inside_blocks_and_unknown_block_helpers_are_named():
    report = check_references(one_cell("{{#if y}}{{z}} {{p}}{{/if}} {{#foo p}}a{{/foo}} {{#each l}}{{item}}{{/each}}",
                                       {"p": "P", "l": []}), 0)
    assert [str(p) for p in report.problems] == [
        "{{#if y}}: no such parameter",
        "{{z}}: no such parameter",
        "{{#foo p}}: no helper or parameter named 'foo'; the block shows nothing",
    ]  # inside #each names are the item's: not checked
    guarded = {"name": "x", "metadata": {"default_model": "gpt-4"}, "prompts": [
        {"name": "a", "input": "A"}, {"name": "b", "input": "{{#if a.output}}{{a.output}}{{/if}}"}]}
    assert check_references(doc_of(guarded), "b").clean  # an #if that tests for a missing output is fine


@pytest.mark.parametrize("template", ["x {{#if y}} open", "x {{ unclosed"])
def test_cli_reports_dropped_text_and_strict_refuses(tmp_path, template):
    path = tmp_path / "drop.aiconfig.json"
    path.write_text(json.dumps({"name": "x", "metadata": {"default_model": "Echo", "parameters": {"y": "v"}},
                                "prompts": [{"name": "cell", "input": template}]}))
    (tmp_path / "model_parsers.py").write_text(SENDING_PARSERS)
    validate = tuinb("validate", path)
    assert "the SDK drops the rest of the prompt" in validate.stdout and ": ok (" not in validate.stdout
    strict = tuinb("run", path, "cell", "--strict", "--trust-parsers")
    assert strict.returncode == 2 and "nothing was run" in strict.stderr
    assert "cell: warning: {{" in strict.stderr and "never closed" in strict.stderr
    assert not (tmp_path / "sent.txt").exists()
    sent = tuinb("run", path, "cell", "--trust-parsers")
    assert sent.returncode == 0 and "never closed" in sent.stderr
