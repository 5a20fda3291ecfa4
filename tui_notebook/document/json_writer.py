"""``json.dumps(obj, indent=2)``, byte for byte, but fast on notebooks full of base64 media.

With ``indent`` set, CPython's json falls back to its pure-Python encoder, and ASCII-escaping megabytes of
base64 dominates the save time of a media-heavy notebook. Base64 (and most text) needs no escaping at all,
so strings that are printable ASCII without quotes or backslashes are written as they are; everything else
goes through json's own C escaper. A differential test keeps this identical to ``json.dumps``.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii
from typing import Any

_INF = float("inf")


def _string(s: str) -> str:
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return '"' + s + '"'
    return encode_basestring_ascii(s)


def _float(f: float) -> str:
    if f != f:
        return "NaN"
    if f == _INF:
        return "Infinity"
    if f == -_INF:
        return "-Infinity"
    return float.__repr__(f)


def dumps_indent2(obj: Any) -> str:
    parts: list[str] = []
    _encode(obj, parts, "\n")
    return "".join(parts)


def _encode(obj: Any, out: list[str], newline: str) -> None:
    if isinstance(obj, str):
        out.append(_string(obj))
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        out.append(int.__repr__(obj))
    elif isinstance(obj, float):
        out.append(_float(obj))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        inner = newline + "  "
        out.append("{")
        first = True
        for key, value in obj.items():
            if isinstance(key, str):
                pass
            elif isinstance(key, float):
                key = _float(key)
            elif key is True:
                key = "true"
            elif key is False:
                key = "false"
            elif key is None:
                key = "null"
            elif isinstance(key, int):
                key = int.__repr__(key)
            else:
                raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
            out.append(inner if first else "," + inner)
            first = False
            out.append(_string(key))
            out.append(": ")
            _encode(value, out, inner)
        out.append(newline + "}")
    elif isinstance(obj, (list, tuple)):
        if not obj:
            out.append("[]")
            return
        inner = newline + "  "
        out.append("[")
        first = True
        for value in obj:
            out.append(inner if first else "," + inner)
            first = False
            _encode(value, out, inner)
        out.append(newline + "]")
    else:
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
