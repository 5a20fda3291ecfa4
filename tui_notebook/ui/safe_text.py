"""Text from files, models and the file system, put in widgets: control characters made visible
(``sanitize.terminal_safe``) and never parsed as markup.

Escaping is not enough: Rich's (and Textual's) ``escape`` leaves a backslash or a ``[10;10H ... =`` in
file text for Textual's markup parser to trip on (a ``MarkupError`` that takes the screen down). Textual's own
``$name`` substitution inserts values as plain text, so our markup stays markup and theirs stays text.
"""

from __future__ import annotations

from textual.content import Content

from ..sanitize import terminal_safe


def plain(text: str) -> Content:
    """``text`` shown as it is (made terminal-safe), whatever brackets it holds."""
    return Content(terminal_safe(text))


def markup(template: str, **values: object) -> Content:
    """Our markup ``template``; each ``$name`` in it becomes ``values[name]`` as plain, terminal-safe text."""
    return Content.from_markup(template, **{name: terminal_safe(str(value)) for name, value in values.items()})
