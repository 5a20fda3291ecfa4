"""Serialise a notebook exactly as ``AIConfigRuntime.save()`` / ``to_string()`` does (spec §3.2)."""

from __future__ import annotations

from typing import Any, Literal

from .json_writer import dumps_indent2
from .models import SCHEMA_URL, AIConfig, ExecuteResult, OutputDataWithToolCallsValue, PromptInput

Mode = Literal["json", "yaml"]


def to_jsonable(doc: AIConfig, *, include_outputs: bool = True) -> dict[str, Any]:
    exclude: dict[str, Any] = {}
    if not include_outputs:
        exclude["prompts"] = {"__all__": {"outputs"}}
    data = doc.model_dump(mode="json", exclude=exclude or None, exclude_none=True)
    _keep_required_nulls(doc, data)
    if data.get("$schema") is None:
        data["$schema"] = SCHEMA_URL
    return data


def _keep_required_nulls(doc: AIConfig, data: dict[str, Any]) -> None:
    """Put back the ``null`` of a *required* field that ``exclude_none`` dropped.

    The SDK writes with ``exclude_none`` too, so an output whose ``data`` is null (or an attachment's, or a tool
    call's ``id``) is written without the field, and neither the SDK nor tuinb can open that file again. Those
    are the only required fields that accept null; writing the null keeps the file loadable everywhere.
    Costs one pass over outputs and attachments; nothing changes for any other file.
    """
    for prompt, prompt_data in zip(doc.prompts, data.get("prompts") or ()):
        if isinstance(prompt.input, PromptInput) and prompt.input.attachments:
            shown = prompt_data.get("input", {}).get("attachments") or []
            for attachment, attachment_data in zip(prompt.input.attachments, shown):
                if attachment.data is None:
                    _put_first(attachment_data, "data")
        for output, output_data in zip(prompt.outputs or (), prompt_data.get("outputs") or ()):
            if not isinstance(output, ExecuteResult):
                continue
            if output.data is None:
                _put_after(output_data, "data", ("output_type", "execution_count"))
            elif isinstance(output.data, OutputDataWithToolCallsValue):
                for call, call_data in zip(output.data.value, output_data["data"]["value"]):
                    if call.id is None:
                        _put_first(call_data, "id")


def _put_first(target: dict[str, Any], key: str) -> None:
    items = list(target.items())
    target.clear()
    target[key] = None
    target.update(items)


def _put_after(target: dict[str, Any], key: str, before: tuple[str, ...]) -> None:
    items = list(target.items())
    target.clear()
    target.update((k, v) for k, v in items if k in before)
    target[key] = None
    target.update((k, v) for k, v in items if k not in before)


def dumps(doc: AIConfig, mode: Mode = "json", *, include_outputs: bool = True) -> str:
    data = to_jsonable(doc, include_outputs=include_outputs)
    if mode == "yaml":
        import yaml

        # PyYAML's defaults, as the SDK calls it: sorted keys, non-ASCII escaped.
        return yaml.dump(data, indent=2)
    # json.dumps(data, indent=2): 2-space indent, ASCII escapes, no trailing newline (fast path, same bytes).
    return dumps_indent2(data)
