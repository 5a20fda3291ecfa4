"""Make untrusted text terminal-safe: one job, used wherever text from a file or a model reaches the screen.

A notebook is data someone else may have written, and a model's output is data nobody wrote. Either can hold
terminal control sequences: OSC 52 (write the user's clipboard), OSC 8 (disguised links), CSI (move the
cursor, clear the screen, recolour), DCS / APC / PM / SOS strings, a lone ESC, BEL, backspace, carriage
return, or the 8-bit C1 controls (0x80-0x9f, e.g. 0x9b is a one-byte CSI on some terminals). Neither Rich
nor Textual removes ESC, so without this a cell output can drive the user's terminal.

:func:`terminal_safe` keeps newlines and tabs, normalises ``\\r\\n`` to ``\\n``, and replaces every other
control character with something visible and inert: the Unicode "control pictures" (``␛`` for ESC, ``␇``
for BEL, ``␍`` for a lone CR...) for C0 and DEL, and ``\\x9b``-style text for C1. Nothing is removed
silently, so a user can see that a file or a model tried something. The stored document is never changed:
this is for display only.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["terminal_safe", "has_controls", "safe_any"]

ESCAPE_PICTURE = "\u241b"  # ␛

_TABLE: dict[int, str] = {}
for _code in range(0x20):
    if _code in (0x09, 0x0A):  # tab and newline are layout, not control
        continue
    _TABLE[_code] = chr(0x2400 + _code)  # U+2400.. "SYMBOL FOR NULL" .. "SYMBOL FOR UNIT SEPARATOR"
_TABLE[0x7F] = "\u2421"  # ␡
for _code in range(0x80, 0xA0):
    _TABLE[_code] = f"\\x{_code:02x}"
del _code

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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
