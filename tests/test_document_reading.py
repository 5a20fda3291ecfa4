"""Reading: lenient where the meaning is clear, located errors where it is not, nothing written on failure."""

from __future__ import annotations

import json

import pytest

from tui_notebook.document import DocumentError, dumps, load_path, load_text
from tui_notebook.document.models import Error, ExecuteResult, OutputDataWithStringValue, PromptInput


def _doc(**top):
    base = {"name": "t", "metadata": {}}
    base.update(top)
    return json.dumps(base, indent=2)


def test_minimal_file_gets_sdk_defaults():
    out = dumps(load_text('{"name": "t", "metadata": {}}').doc)
    assert out == (
        '{\n  "name": "t",\n  "schema_version": "latest",\n  "metadata": {\n    "parameters": {},\n'
        '    "models": {}\n  },\n  "description": "",\n  "prompts": [],\n'
        '  "$schema": "https://json.schemastore.org/aiconfig-1.0"\n}'
    )


def test_gradio_download_nulls_are_read_and_dropped_on_save():
    text = json.dumps({
        "name": "g", "schema_version": "latest", "description": None,
        "metadata": {"parameters": None, "models": None, "default_model": None, "model_parsers": None},
        "prompts": [{"name": "p", "input": "hi", "metadata": {"model": None, "tags": None, "parameters": None},
                     "outputs": [{"output_type": "execute_result", "execution_count": None, "data": "x",
                                  "mime_type": None, "metadata": {}}]}],
    })
    out = json.loads(dumps(load_text(text).doc))
    assert "null" not in dumps(load_text(text).doc)
    assert out["prompts"][0]["outputs"][0] == {"output_type": "execute_result", "data": "x", "metadata": {}}
    assert "description" not in out  # null description is dropped like the SDK does


def test_output_without_metadata_is_repaired_with_a_located_warning():
    text = _doc(prompts=[{"name": "p", "input": "x", "outputs": [
        {"output_type": "execute_result", "execution_count": 0, "data": "a"}]}])
    result = load_text(text, source="f.json")
    assert result.doc.prompts[0].outputs[0].metadata == {}
    [warning] = result.warnings
    assert warning.path == ("prompts", 0, "outputs", 0)
    assert warning.line is not None and str(warning).startswith("f.json:")
    assert '"metadata": {}' in dumps(result.doc)


@pytest.mark.parametrize("version", ['"latest"', '"v1"', '{"major": 1, "minor": 0}'])
def test_schema_version_forms(version):
    doc = load_text('{"name": "t", "schema_version": %s, "metadata": {}}' % version).doc
    assert json.loads(dumps(doc))["schema_version"] == json.loads(version)


def test_bare_string_attachment_and_legacy_outputs_survive_round_trip():
    prompt = {
        "name": "p", "input": {"attachments": [{"data": "https://x/a.png", "mime_type": "image/png"}]},
        "outputs": [
            {"output_type": "execute_result", "data": {"role": "assistant", "content": "hi"}, "metadata": {}},
            {"output_type": "execute_result", "data": "iVBORw0KGgo=", "mime_type": "image/png", "metadata": {}},
            {"output_type": "execute_result", "data": {"kind": "base64", "value": "AAA"}, "mime_type": "audio/wav",
             "metadata": {}},
            {"output_type": "error", "ename": "E", "evalue": "boom", "traceback": ["l1"]},
        ],
    }
    doc = load_text(_doc(prompts=[prompt])).doc
    p = doc.prompts[0]
    assert isinstance(p.input, PromptInput) and p.input.attachments[0].data == "https://x/a.png"
    assert isinstance(p.outputs[2], ExecuteResult) and isinstance(p.outputs[2].data, OutputDataWithStringValue)
    assert isinstance(p.outputs[3], Error)
    again = json.loads(dumps(load_text(dumps(doc)).doc))
    assert again["prompts"][0]["outputs"][0]["data"] == {"role": "assistant", "content": "hi"}


def test_unknown_keys_kept_at_every_level_in_order():
    text = json.dumps({
        "name": "t", "zz_top": 1, "metadata": {"custom": {"a": 1}},
        "prompts": [{"name": "p", "input": {"data": "q", "role": "user"}, "extra": True,
                     "metadata": {"remember_chat_context": False, "x": [1]}}],
        "$schema": "mine",
    })
    out = json.loads(dumps(load_text(text).doc))
    assert list(out)[-2:] == ["zz_top", "$schema"] and out["$schema"] == "mine"
    assert out["metadata"]["custom"] == {"a": 1}
    assert out["prompts"][0]["extra"] is True
    assert out["prompts"][0]["input"] == {"data": "q", "role": "user"}
    assert out["prompts"][0]["metadata"]["remember_chat_context"] is False


def test_non_ascii_escaped_and_no_trailing_newline():
    out = dumps(load_text('{"name": "h\u00e9llo", "metadata": {}}').doc)
    assert '"h\\u00e9llo"' in out and not out.endswith("\n")


def test_invalid_json_points_at_line_and_column(tmp_path):
    path = tmp_path / "bad.aiconfig.json"
    path.write_text('{\n  "name": "x",\n  "metadata": {,}\n}')
    with pytest.raises(DocumentError) as info:
        load_path(path)
    [problem] = info.value.problems
    assert (problem.line, problem.col) == (3, 16)
    assert str(problem).startswith(f"{path}:3:16: invalid JSON")


def test_every_schema_violation_is_reported_with_its_field_path_and_position():
    text = json.dumps({
        "name": "t", "metadata": {},
        "prompts": [
            {"name": "ok", "input": "fine"},
            {"name": "no_input"},
            {"name": "bad_model", "input": "x", "metadata": {"model": {"settings": {}}}},
            {"name": "num", "input": 3},
            {"name": "bad_out", "input": "x", "outputs": [{"output_type": "stream", "text": "x"}]},
        ],
    }, indent=2)
    with pytest.raises(DocumentError) as info:
        load_text(text, source="f.json")
    fields = {p.field for p in info.value.problems}
    assert "prompts[1].input" in fields
    assert "prompts[2].metadata.model.name" in fields
    assert "prompts[3].input" in fields
    assert any(f.startswith("prompts[4].outputs[0]") for f in fields)
    for problem in info.value.problems:
        assert problem.line and problem.col, problem
        assert "ExecuteResult" not in str(problem) and "PromptInput" not in str(problem)


def test_missing_required_top_level_fields():
    with pytest.raises(DocumentError) as info:
        load_text('{"prompts": []}')
    assert {p.field for p in info.value.problems} == {"name", "metadata"}


def test_top_level_must_be_an_object():
    with pytest.raises(DocumentError) as info:
        load_text("[1, 2]")
    assert "top level must be an object" in str(info.value)


def test_yaml_is_read_safely_and_errors_are_located(tmp_path):
    good = tmp_path / "a.aiconfig.yaml"
    good.write_text("name: y\nmetadata:\n  parameters:\n    city: Paris\nprompts:\n- name: p\n  input: hi {{city}}\n")
    result = load_path(good)
    assert result.mode == "yaml" and result.doc.prompts[0].input == "hi {{city}}"
    evil = tmp_path / "evil.aiconfig.yaml"
    evil.write_text("name: !!python/object/apply:os.system ['echo pwned']\nmetadata: {}\n")
    with pytest.raises(DocumentError) as info:
        load_path(evil)
    assert info.value.problems[0].line == 1
    broken = tmp_path / "broken.aiconfig.yml"
    broken.write_text("name: y\nmetadata: {\n  a: [1, 2\n")
    with pytest.raises(DocumentError) as info:
        load_path(broken)
    assert info.value.problems[0].line is not None


def test_yaml_save_matches_sdk_style():
    doc = load_text("name: y\nmetadata: {}\n", yaml_mode=True).doc
    out = dumps(doc, "yaml")
    assert out.splitlines()[0] == "$schema: https://json.schemastore.org/aiconfig-1.0"  # sorted keys


def test_duplicate_prompt_names_load_with_a_warning():
    text = _doc(prompts=[{"name": "a", "input": "1"}, {"name": "a", "input": "2"}])
    result = load_text(text)
    assert len(result.doc.prompts) == 2
    assert any("duplicate prompt name 'a'" in str(w) for w in result.warnings)


def test_reading_a_bad_file_never_writes_it(tmp_path):
    path = tmp_path / "bad.aiconfig.json"
    original = b'{"name": 1, "metadata": {}}'
    path.write_bytes(original)
    with pytest.raises(DocumentError):
        load_path(path)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.aiconfig.json"]


def test_non_utf8_is_a_located_error(tmp_path):
    path = tmp_path / "latin.aiconfig.json"
    path.write_bytes(b'{\n "name": "caf\xe9", "metadata": {}}')
    with pytest.raises(DocumentError) as info:
        load_path(path)
    assert info.value.problems[0].line == 2
