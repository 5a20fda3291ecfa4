"""Make untrusted text terminal-safe: one job, used wherever text from a file or a model reaches the screen.

A notebook is data someone else may have written, and a model's output is data nobody wrote. Either can hold
terminal control sequences: OSC 52 (write the user's clipboard), OSC 8 (disguised links), CSI (move the
cursor, clear the screen, recolour), DCS / APC / PM / SOS strings, a lone ESC, BEL, backspace, carriage
return, or the 8-bit C1 controls (0x80-0x9f, e.g. 0x9b is a one-byte CSI on some terminals). Neither Rich
nor Textual removes ESC, so without this a cell output can drive the user's terminal. Bidirectional
overrides and isolates (U+202A-U+202E, U+2066-U+2069) do not drive the terminal but reorder what it shows, so
a name or a path can read as something it is not ("Trojan Source"); they are shown inert too.

:func:`terminal_safe` keeps newlines and tabs, normalises ``\\r\\n`` to ``\\n``, and replaces every other
control character with something visible and inert: the Unicode "control pictures" (``␛`` for ESC, ``␇``
for BEL, ``␍`` for a lone CR...) for C0 and DEL, ``\\x9b``-style text for C1 and ``\\u202e``-style text for
the bidirectional controls. Nothing is removed silently, so a user can see that a file or a model tried
something. The stored document is never changed: this is for display only.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["terminal_safe", "has_controls", "safe_any", "json_terminal_safe"]

ESCAPE_PICTURE = "\u241b"  # ␛

_TABLE: dict[int, str] = {}
for _code in range(0x20):
    if _code in (0x09, 0x0A):  # tab and newline are layout, not control
        continue
    _TABLE[_code] = chr(0x2400 + _code)  # U+2400.. "SYMBOL FOR NULL" .. "SYMBOL FOR UNIT SEPARATOR"
_TABLE[0x7F] = "\u2421"  # ␡
for _code in range(0x80, 0xA0):
    _TABLE[_code] = f"\\x{_code:02x}"
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))  # embeddings, overrides, isolates and their ends
for _code in _BIDI:
    _TABLE[_code] = f"\\u{_code:04x}"
del _code

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What JSON text may carry raw (json.dumps escapes only C0): C1, DEL and the bidirectional controls.
_JSON_CONTROLS = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def has_controls(text: str) -> bool:
    """True if ``text`` holds any character :func:`terminal_safe` would replace."""
    return _CONTROLS.search(text) is not None


def terminal_safe(text: str) -> str:
    """``text`` with every terminal control made visible and inert; newlines and tabs are kept.

    Cheap for clean text (one regex scan, no copy); linear for the rest (a 1 MB output takes milliseconds).
    """
    if not isinstance(text, str):
        text = str(text)
    if _CONTROLS.search(text) is None:
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TABLE)


def safe_any(value: Any) -> Any:
    """:func:`terminal_safe` for strings; other values unchanged (for optional names and descriptions)."""
    return terminal_safe(value) if isinstance(value, str) else value


def json_terminal_safe(json_text: str) -> str:
    """JSON text (from ``json.dumps``) with C1, DEL and bidirectional controls written as ``\\uXXXX`` escapes:
    the same JSON value, safe to print. Such characters can only occur inside JSON strings, where the escape
    means exactly the character."""
    return _JSON_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
