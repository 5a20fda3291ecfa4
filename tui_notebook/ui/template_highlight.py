"""``{{...}}`` highlighting for the read-only view of a prompt (the editor uses the same style).

Kept apart from :mod:`.editor` so that drawing a notebook does not import Textual's TextArea (~30 ms at
start-up); the editor is imported when a cell is first edited.
"""

from __future__ import annotations

import re

from rich.text import Text

TEMPLATE = re.compile(r"\{\{\{?[^{}]*\}?\}\}")
"""A handlebars expression: ``{{name}}``, ``{{cell.output}}``, ``{{{raw}}}``."""

TEMPLATE_STYLE = "bold #e5a50a"

EMPTY_REFERENCE_STYLE = "bold underline #f66151"
"""A reference that inserts nothing (unknown parameter, a cell below, no output yet): red and underlined, so
it differs from a valid reference by more than colour."""

WARNING_STYLE = "#f66151"


def highlight_templates(text: str, base_style: str = "", empty: frozenset[str] | set[str] = frozenset()) -> Text:
    """Rich text with every ``{{...}}`` highlighted (the command-mode view of the input); tags whose inner text
    is in ``empty`` (``story.output``) in the empty-reference style."""
    result = Text(text, style=base_style)
    for match in TEMPLATE.finditer(text):
        inner = match.group(0).strip("{}").strip().lstrip("&").strip()
        style = EMPTY_REFERENCE_STYLE if empty and inner in empty else TEMPLATE_STYLE
        result.stylize(style, match.start(), match.end())
    return result


def reference_warnings(lines: list[str]) -> Text:
    """The warning line(s) under a prompt: one per empty reference, then a template error if any."""
    result = Text()
    for i, line in enumerate(lines):
        if i:
            result.append("\n")
        result.append("⚠ " + line, style=WARNING_STYLE)
    return result
