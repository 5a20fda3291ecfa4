"""Handlebars rendering with exactly the reference SDK's results (pybars3 semantics, spec §2.5).

pybars3 costs ~0.9 s to import (it compiles its grammar at import time) and ~5 ms to compile each template,
which would make start-up and a 300-prompt resolve slow. Most real templates only use plain variable tags
(``{{x}}``, ``{{{x}}}``, ``{{&x}}``, ``{{a.b}}``), so those are rendered by a small renderer here that
reproduces pybars' lookup, stringification and HTML escaping. Anything else (blocks, helpers, partials,
bracket paths, ``this``, ``@data``, names that collide with dict attributes or helper names) is handed to
pybars itself, compiled once per distinct template and cached. Differential tests against pybars and the SDK
keep the two paths identical.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any, Callable

__all__ = ["TemplateError", "render", "uses_pybars", "template_variables", "escape_html", "value_tags", "ValueTag",
           "compile_ahead"]


class TemplateError(Exception):
    """The template cannot be rendered (pybars raised)."""


_ESCAPES = {"&": "&amp;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "<": "&lt;", ">": "&gt;"}
_ESCAPE_RE = re.compile(r"[&\"'`<>]")


def escape_html(text: str) -> str:
    """pybars' escaping: ``& " ' ` < >`` (``=`` is left alone)."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


# Names pybars resolves to built-in helpers before looking at the context.
_HELPER_NAMES = frozenset({"blockHelperMissing", "each", "helperMissing", "if", "log", "lookup", "unless", "with"})
_SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*"
# A plain tag: {{x}}, {{ x.y }}, {{{x}}}, {{&x}}. Spaces only (other whitespace goes to pybars).
_TAG_RE = re.compile(r"\{\{(\{|&)? *(" + _SEGMENT + r"(?:\." + _SEGMENT + r")*) *(\})?\}\}")

Piece = "str | tuple[tuple[str, ...], bool]"  # literal text, or (path segments, escape?)


def _fast_compile(template: str) -> list[Any] | None:
    """Split ``template`` into literal text and plain variable tags, or None if pybars is needed."""
    pieces: list[Any] = []
    pos = 0
    for match in _TAG_RE.finditer(template):
        text = template[pos:match.start()]
        if "{{" in text or "}}" in text:
            return None
        opener, path, closer = match.group(1), match.group(2), match.group(3)
        if (opener == "{") != (closer == "}"):
            return None
        if match.start() > 0 and template[match.start() - 1] in "\\{":
            return None  # pybars' handling of "\{{" and "{{{{" is not worth reproducing
        segments = tuple(path.split("."))
        if any(seg in _HELPER_NAMES or seg == "this" or hasattr(dict, seg) for seg in segments):
            return None
        if text:
            pieces.append(text)
        pieces.append((segments, opener is None))
        pos = match.end()
    rest = template[pos:]
    if "{{" in rest or "}}" in rest:
        return None
    if rest:
        pieces.append(rest)
    return pieces


class _NeedsPybars(Exception):
    pass


def _lookup(context: Any, segments: tuple[str, ...]) -> Any:
    value = context
    for seg in segments:
        if value is None:
            return None
        if isinstance(value, dict):
            value = value.get(seg)
        else:
            # Attribute lookups on strings, lists, numbers... pybars does hasattr/getattr; let it.
            raise _NeedsPybars
    return value


def _stringify(value: Any, escape: bool) -> str:
    if value is None:
        return ""
    if type(value) is bool:
        text = "true" if value else "false"
    elif type(value) is str:
        text = value
    elif isinstance(value, (int, float, dict, list)):
        text = str(value)
    else:
        raise _NeedsPybars
    return escape_html(text) if escape else text


def _fast_render(pieces: list[Any], context: dict[str, Any]) -> str:
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            segments, escape = piece
            out.append(_stringify(_lookup(context, segments), escape))
    return "".join(out)


_CACHE_SIZE = 4096
_lock = threading.Lock()
_fast_cache: "OrderedDict[str, list[Any] | None]" = OrderedDict()
_pybars_cache: "OrderedDict[str, Callable[..., Any]]" = OrderedDict()
_compiler: Any = None


def _remember(cache: OrderedDict, key: str, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def compile_ahead(template: str) -> None:
    """Compile now (and cache) a template that needs pybars, so that rendering it later is quick; a template
    pybars cannot compile is left for render() to report."""
    if ("{{" in template or "}}" in template) and _fast_pieces(template) is None:
        try:
            _pybars_compiled(template)
        except TemplateError:
            pass


def _pybars_render(template: str, context: dict[str, Any]) -> str:
    compiled = _pybars_compiled(template)
    try:
        return str(compiled(context))
    except Exception as exc:
        raise TemplateError(f"{type(exc).__name__}: {exc}") from exc


def _pybars_compiled(template: str) -> Callable[..., Any]:
    global _compiler
    with _lock:
        compiled = _pybars_cache.get(template)
        if compiled is None:
            import pybars  # heavy (≈0.9 s): only for templates the fast path cannot handle

            if _compiler is None:
                _compiler = pybars.Compiler()
            try:
                compiled = _compiler.compile(template)
            except Exception as exc:  # pybars raises PybarsError and assorted grammar errors
                raise TemplateError(f"{type(exc).__name__}: {exc}") from exc
            _remember(_pybars_cache, template, compiled)
    return compiled


def uses_pybars(template: str) -> bool:
    """True when ``template`` needs the full handlebars engine (blocks, helpers, ...)."""
    return _fast_pieces(template) is None


def _fast_pieces(template: str) -> list[Any] | None:
    with _lock:
        if template in _fast_cache:
            return _fast_cache[template]
    pieces = _fast_compile(template)
    with _lock:
        _remember(_fast_cache, template, pieces)
    return pieces


def render(template: str, context: dict[str, Any]) -> str:
    """Render ``template`` with ``context`` exactly as ``pybars.Compiler().compile(template)(context)``."""
    if "{{" not in template and "}}" not in template:
        return template
    pieces = _fast_pieces(template)
    if pieces is not None:
        try:
            return _fast_render(pieces, context)
        except _NeedsPybars:
            pass
    return _pybars_render(template, context)


# --- references (dependency detection), as the SDK scans raw templates (spec §2.6) -----------------------

_SDK_TAG_RE = re.compile(r"{{[{]?(.*?)[}]?}}")


def template_variables(template: str) -> set[str]:
    """Root names a template mentions, the way the SDK's ``get_parameters_in_template`` sees them.

    ``{{a.output}}`` -> ``a``; ``{{#if a.output}}`` -> ``a``; comments and ``else`` ignored. Used to decide which
    earlier prompts a prompt depends on; like the SDK, ``.input`` references count too.
    """
    names: set[str] = set()

    def add(variable: str) -> None:
        variable = variable.strip()
        if not variable:
            return
        if "." in variable and " " not in variable:
            names.add(variable.split(".")[0])
        else:
            names.add(variable)

    for match in _SDK_TAG_RE.finditer(template):
        tag = match.group(1).strip()
        if not tag or tag.startswith("! ") or tag == "else":
            continue
        if tag[0] in "#^" and " " not in tag:
            add(tag[1:])
        elif tag.startswith(("#if", "#unless ")):
            for var in tag.split(" ")[1:]:
                add(var)
        elif tag.startswith(("#with ", "#each ")):
            add(tag.split(" ")[1])
        elif tag.startswith("/"):
            continue
        else:
            add(tag)
    return names


# --- value tags (what a template inserts as text), for reference checks ------------------------------------

_MUSTACHE_RE = re.compile(r"\{\{(\{)?(.*?)\}?\}\}", re.DOTALL)


class ValueTag:
    """A top-level ``{{path}}`` / ``{{{path}}}`` / ``{{&path}}`` tag: text is inserted where it stands."""

    __slots__ = ("text", "inner", "path", "start", "end")

    def __init__(self, text: str, inner: str, path: tuple[str, ...], start: int, end: int) -> None:
        self.text, self.inner, self.path, self.start, self.end = text, inner, path, start, end

    def __repr__(self) -> str:
        return f"ValueTag({self.text!r})"


def value_tags(template: str) -> list[ValueTag]:
    """The plain variable tags outside any block, in order.

    Tags inside ``{{#if}}``, ``{{#each}}``, ``{{#with}}``... are left out: there the block decides what is shown
    (``#each`` and ``#with`` even change what names mean). Helper calls (a space inside the tag), comments,
    partials, ``this``, ``@data`` and bracket or ``../`` paths are left out too.
    """
    tags: list[ValueTag] = []
    if "{{" not in template:
        return tags
    depth = 0
    for match in _MUSTACHE_RE.finditer(template):
        inner = match.group(2).strip()
        if not inner:
            continue
        first = inner[0]
        if first == "#":
            depth += 1
            continue
        if first == "/":
            depth = max(0, depth - 1)
            continue
        if depth or first in "!>^" or inner == "else":
            continue
        if first == "&":
            inner = inner[1:].strip()
        if not inner or any(ch.isspace() for ch in inner) or any(ch in inner for ch in "/[]@\"'="):
            continue
        path = tuple(inner.split("."))
        if path[0] in ("this", "") or not all(path):
            continue
        tags.append(ValueTag(match.group(0), inner, path, match.start(), match.end()))
    return tags
