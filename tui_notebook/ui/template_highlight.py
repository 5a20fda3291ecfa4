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


def highlight_templates(text: str, base_style: str = "") -> Text:
    """Rich text with every ``{{...}}`` highlighted (the command-mode view of the input)."""
    result = Text(text, style=base_style)
    for match in TEMPLATE.finditer(text):
        result.stylize(TEMPLATE_STYLE, match.start(), match.end())
    return result
