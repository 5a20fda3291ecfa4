"""Serialise a notebook exactly as ``AIConfigRuntime.save()`` / ``to_string()`` does (spec §3.2)."""

from __future__ import annotations

from typing import Any, Literal

from .json_writer import dumps_indent2
from .models import SCHEMA_URL, AIConfig

Mode = Literal["json", "yaml"]


def to_jsonable(doc: AIConfig, *, include_outputs: bool = True) -> dict[str, Any]:
    exclude: dict[str, Any] = {}
    if not include_outputs:
        exclude["prompts"] = {"__all__": {"outputs"}}
    data = doc.model_dump(mode="json", exclude=exclude or None, exclude_none=True)
    if data.get("$schema") is None:
        data["$schema"] = SCHEMA_URL
    return data


def dumps(doc: AIConfig, mode: Mode = "json", *, include_outputs: bool = True) -> str:
    data = to_jsonable(doc, include_outputs=include_outputs)
    if mode == "yaml":
        import yaml

        # PyYAML's defaults, as the SDK calls it: sorted keys, non-ASCII escaped.
        return yaml.dump(data, indent=2)
    # json.dumps(data, indent=2): 2-space indent, ASCII escapes, no trailing newline (fast path, same bytes).
    return dumps_indent2(data)
