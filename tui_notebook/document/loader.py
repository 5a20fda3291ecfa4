"""Read AIConfig files leniently, and fail with located errors when they cannot be read.

Lenient means: everything the reference SDK loads, plus the shapes real files have that the SDK refuses but
that carry no ambiguity (outputs without ``metadata``, Error outputs without ``traceback``, a null
``schema_version``). Each such repair is reported as a warning and is what gets written back, so a file saved
by tuinb always loads in the SDK. Nothing is ever written while reading.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..bounded_read import read_regular_file
from .models import AIConfig
from .positions import json_positions, locate, yaml_positions
from .problems import DocumentError, Problem

YAML_SUFFIXES = (".yaml", ".yml")
MAX_NOTEBOOK_BYTES = 512 * 1024 * 1024
"""A notebook file larger than this is refused before parsing (a 50 MB notebook full of media is large)."""


def is_yaml_path(path: str | os.PathLike[str]) -> bool:
    return str(path).lower().endswith(YAML_SUFFIXES)


@dataclass
class LoadResult:
    doc: AIConfig
    warnings: list[Problem] = field(default_factory=list)
    source: str = "<string>"
    mode: str = "json"


def load_path(path: str | os.PathLike[str]) -> LoadResult:
    p = Path(path)
    try:
        raw = read_regular_file(p, MAX_NOTEBOOK_BYTES)  # never a FIFO, a device or an endless file
    except OSError as exc:
        raise DocumentError([Problem(f"cannot read file: {exc.strerror or exc}", source=str(path))]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DocumentError(
            [Problem(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", source=str(path), line=line, col=col)]
        ) from exc
    return load_text(text, source=str(path), yaml_mode=is_yaml_path(p))


def load_text(text: str, *, source: str = "<string>", yaml_mode: bool = False) -> LoadResult:
    if not yaml_mode:
        # Fast path: most files are valid as they are, and validating the text directly (as the SDK does)
        # avoids parsing it twice. Anything unusual takes the careful path below.
        try:
            doc = AIConfig.model_validate_json(text)
        except ValidationError:
            pass
        else:
            duplicates = _duplicate_names(doc, source)
            if duplicates:
                positions = json_positions(text)
                duplicates = [_with_position(w, positions) for w in duplicates]
            return LoadResult(doc=doc, warnings=duplicates, source=source, mode="json")
    data = _parse_yaml(text, source) if yaml_mode else _parse_json(text, source)
    positions_of = (lambda: yaml_positions(text)) if yaml_mode else (lambda: json_positions(text))
    warnings: list[Problem] = []
    if not isinstance(data, dict):
        raise DocumentError(
            [Problem(f"the top level must be an object, not {_json_type(data)}", source=source, line=1, col=1)]
        )
    repaired = _repair(data, source, warnings)
    # Validate through pydantic's JSON mode, like the SDK's model_validate_json, so unions resolve the same way.
    payload = json.dumps(data) if (repaired or yaml_mode) else text
    try:
        doc = AIConfig.model_validate_json(payload)
    except ValidationError as exc:
        raise DocumentError(_schema_problems(exc, data, source, positions_of())) from None
    warnings.extend(_duplicate_names(doc, source))
    if warnings:
        positions = positions_of()
        warnings = [_with_position(w, positions) for w in warnings]
    return LoadResult(doc=doc, warnings=warnings, source=source, mode="yaml" if yaml_mode else "json")


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError([Problem(f"invalid JSON: {exc.msg}", source=source, line=exc.lineno, col=exc.colno)])
    except RecursionError:
        line, col = _too_deep_at(text)
        raise DocumentError([Problem("invalid JSON: nested too deeply", source=source, line=line, col=col)])
    except ValueError as exc:  # an integer longer than Python converts (sys.get_int_max_str_digits())
        found = _long_integer_at(text)
        if found is None:
            raise DocumentError([Problem(f"invalid JSON: {exc}", source=source)]) from None
        line, col, digits = found
        raise DocumentError([Problem(
            f"invalid JSON: integer with {digits:,} digits (more than {sys.get_int_max_str_digits():,} "
            "cannot be read)", source=source, line=line, col=col)]) from None


_STRING_OR_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')


def _long_integer_at(text: str) -> tuple[int, int, int] | None:
    """line, col and digit count of the first number outside strings longer than Python converts."""
    limit = sys.get_int_max_str_digits()
    for match in _STRING_OR_NUMBER.finditer(text):
        token = match.group()
        if token[0] != '"' and token.lstrip("-").isdigit() and len(token.lstrip("-")) > limit:
            i = match.start()
            line = text.count("\n", 0, i) + 1
            return line, i - (text.rfind("\n", 0, i) + 1) + 1, len(token.lstrip("-"))
    return None


def _too_deep_at(text: str, limit: int = 500) -> tuple[int, int]:
    """line:col of the first bracket nested deeper than ``limit`` (outside strings); 1:1 if none is found."""
    depth = 0
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, i) + 1
                return line, i - (text.rfind("\n", 0, i) + 1) + 1
        elif ch in "]}":
            depth -= 1
    return 1, 1


def _parse_yaml(text: str, source: str) -> Any:
    import yaml

    from .yaml_graph import GraphProblem, check_node_graph

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_node_graph(node)  # before anything walks the expanded tree
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise DocumentError([Problem(f"invalid YAML: {exc.problem or exc}", source=source, line=line, col=col)])
    except yaml.YAMLError as exc:
        raise DocumentError([Problem(f"invalid YAML: {exc}", source=source)])
    except GraphProblem as exc:
        line = exc.mark.line + 1 if exc.mark else None
        col = exc.mark.column + 1 if exc.mark else None
        raise DocumentError([Problem(f"invalid YAML: {exc}", source=source, line=line, col=col)])
    except RecursionError:
        raise DocumentError([Problem("invalid YAML: nested too deeply", source=source)])
    finally:
        loader.dispose()
    # The SDK round-trips YAML through json.dumps; values JSON cannot hold (dates, sets) must fail here too.
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise DocumentError([Problem(f"YAML value that JSON cannot hold: {exc}", source=source)])
    return data


def _repair(data: dict[str, Any], source: str, warnings: list[Problem]) -> bool:
    """Fix, in place, the shapes the SDK refuses but whose meaning is unambiguous. Returns True if changed."""
    changed = False
    if "schema_version" in data and data["schema_version"] is None:
        del data["schema_version"]
        warnings.append(Problem("null schema_version read as \"latest\"", source, ("schema_version",),
                                severity="warning"))
        changed = True
    prompts = data.get("prompts")
    if not isinstance(prompts, list):
        return changed
    for i, prompt in enumerate(prompts):
        outputs = prompt.get("outputs") if isinstance(prompt, dict) else None
        if not isinstance(outputs, list):
            continue
        for j, output in enumerate(outputs):
            if not isinstance(output, dict):
                continue
            path = ("prompts", i, "outputs", j)
            kind = output.get("output_type")
            if kind == "execute_result" and output.get("metadata") is None:
                output["metadata"] = {}
                warnings.append(Problem("output has no metadata; the reference SDK refuses that, saved as {}",
                                        source, path, severity="warning"))
                changed = True
            elif kind == "error" and output.get("traceback") is None and "ename" in output:
                output["traceback"] = []
                warnings.append(Problem("error output has no traceback; saved as []", source, path,
                                        severity="warning"))
                changed = True
    return changed


# pydantic puts the name of the union member it tried into the error location; users never see those names.
_UNION_TAGS = {
    "str", "int", "float", "bool", "list", "dict", "any", "none",
    "ExecuteResult", "Error", "ModelMetadata", "PromptInput", "SchemaVersion", "OutputDataWithStringValue",
    "OutputDataWithToolCallsValue", "AttachmentDataWithStringValue",
}


def _branch_wanted(tag: str, value: Any) -> bool:
    """For a value that failed a union, keep only errors from the member the user evidently meant."""
    if tag in ("ExecuteResult", "Error"):
        kind = value.get("output_type") if isinstance(value, dict) else None
        if kind == "error":
            return tag == "Error"
        return tag == "ExecuteResult"
    if tag in ("ModelMetadata", "PromptInput", "SchemaVersion"):
        return isinstance(value, dict)
    if tag == "str":
        return not isinstance(value, (dict, list))
    return True


def _schema_problems(exc: ValidationError, data: Any, source: str, positions: dict) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[tuple[Any, ...], str]] = set()
    # Errors of union members the value evidently did not mean; reported only if nothing else was (e.g. a
    # list where a string or an object is expected matches no member "better" than another).
    unwanted: dict[tuple[Any, ...], list[str]] = {}
    for err in exc.errors(include_url=False):
        path: list[Any] = []
        node: Any = data
        keep = True
        for part in err["loc"]:
            is_tag = isinstance(part, str) and (part in _UNION_TAGS or part.startswith(("literal[", "function-")))
            if is_tag and not (isinstance(node, dict) and part in node):
                if not _branch_wanted(part, node):
                    keep = False
                    message = _message(err, node)
                    if message not in unwanted.setdefault(tuple(path), []):
                        unwanted[tuple(path)].append(message)
                    break
                continue
            path.append(part)
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                node = None
        if not keep:
            continue
        message = _message(err, node)
        key = (tuple(path), message)
        if key in seen:
            continue
        seen.add(key)
        line, col = locate(positions, tuple(path))
        problems.append(Problem(message, source, tuple(path), line, col))
    if not problems:
        for path, messages in unwanted.items():
            line, col = locate(positions, path)
            got = {m.rpartition(", got ")[2] for m in messages}
            if len(got) == 1 and all(m.startswith("expected ") and ", got " in m for m in messages):
                wanted = " or ".join(m[len("expected "):].rpartition(", got ")[0] for m in messages)
                messages = [f"expected {wanted}, got {got.pop()}"]
            problems.append(Problem(" or ".join(messages), source, path, line, col))
    return problems or [Problem(str(exc), source)]


def _message(err: dict[str, Any], node: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind in ("string_type", "dict_type", "list_type", "int_type", "model_type", "model_attributes_type"):
        expected = {"string_type": "a string", "dict_type": "an object", "list_type": "a list",
                    "int_type": "an integer", "model_type": "an object",
                    "model_attributes_type": "an object"}[kind]
        return f"expected {expected}, got {_json_type(err.get('input'))}"
    if kind == "literal_error":
        return f"{err['msg'].lower()}, got {json.dumps(err.get('input'))}"
    return err["msg"]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _duplicate_names(doc: AIConfig, source: str) -> list[Problem]:
    first_index: dict[str, int] = {}
    out = []
    for i, prompt in enumerate(doc.prompts):
        if prompt.name in first_index:
            out.append(Problem(
                f"duplicate prompt name {prompt.name!r} (also prompts[{first_index[prompt.name]}]); "
                f"{{{{{prompt.name}.output}}}} is ambiguous", source, ("prompts", i, "name"), severity="warning"))
        else:
            first_index[prompt.name] = i
    return out


def _with_position(problem: Problem, positions: dict) -> Problem:
    line, col = locate(positions, problem.path)
    return Problem(problem.message, problem.source, problem.path, line, col, problem.severity)
