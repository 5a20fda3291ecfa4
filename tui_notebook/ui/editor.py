"""The prompt editor (edit mode), highlighting ``{{...}}`` like the read-only input view does."""

from __future__ import annotations

from rich.style import Style
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

from . import keys
from .template_highlight import EMPTY_REFERENCE_STYLE, TEMPLATE, TEMPLATE_STYLE, highlight_templates  # noqa: F401
from .inert import install_text_area

install_text_area()  # this module draws user text in a TextArea: keep it inert

_THEME_NAME = "tuinb-prompt"


def _theme() -> TextAreaTheme:
    base = TextAreaTheme.get_builtin_theme("css")
    assert base is not None
    styles = dict(base.syntax_styles)
    styles["template"] = Style.parse(TEMPLATE_STYLE)
    styles["template-empty"] = Style.parse(EMPTY_REFERENCE_STYLE)
    return TextAreaTheme(
        name=_THEME_NAME,
        base_style=base.base_style,
        gutter_style=base.gutter_style,
        cursor_style=base.cursor_style,
        cursor_line_style=base.cursor_line_style,
        cursor_line_gutter_style=base.cursor_line_gutter_style,
        bracket_matching_style=base.bracket_matching_style,
        selection_style=base.selection_style,
        syntax_styles=styles,
    )


class PromptEditor(TextArea):
    """Multi-line prompt input. ``escape`` leaves edit mode; ``ctrl+r`` / ``alt+enter`` / ``ctrl+j`` run."""

    BINDINGS = keys.bindings("editor")

    empty_references: frozenset[str] = frozenset()
    """Inner text of the tags that insert nothing (set by the cell from the view's reference check)."""

    DEFAULT_CSS = """
    PromptEditor { height: auto; max-height: 20; min-height: 3; border: tall $accent; padding: 0 1; }
    """

    def __init__(self, text: str, **kwargs) -> None:  # noqa: ANN003
        super().__init__(text, soft_wrap=True, show_line_numbers=False, tab_behavior="indent", **kwargs)
        self.register_theme(_theme())
        self.theme = _THEME_NAME

    def show_empty_references(self, empty: frozenset[str]) -> None:
        if empty != self.empty_references:
            self.empty_references = empty
            self._build_highlight_map()
            self.refresh()

    def _build_highlight_map(self) -> None:
        super()._build_highlight_map()
        highlights = self._highlights
        for row, line in enumerate(self.document.lines):
            if "{{" not in line:
                continue
            for match in TEMPLATE.finditer(line):
                start = len(line[: match.start()].encode("utf-8"))
                end = len(line[: match.end()].encode("utf-8"))
                inner = match.group(0).strip("{}").strip().lstrip("&").strip()
                empty = self.empty_references and inner in self.empty_references
                highlights[row].append((start, end, "template-empty" if empty else "template"))

    def action_leave_edit(self) -> None:
        cell = self._cell()
        if cell is not None:
            cell.leave_edit()

    def action_run_from_editor(self) -> None:
        cell = self._cell()
        if cell is not None:
            cell.leave_edit(run=True)

    async def action_run_and_next(self) -> None:
        await self._leave_then("run_and_next")

    async def action_run_and_insert(self) -> None:
        await self._leave_then("run_and_insert")

    async def _leave_then(self, action: str) -> None:
        """Leave edit mode (what was typed goes in) and run a command-mode action on the cell."""
        cell = self._cell()
        if cell is not None:
            cell.leave_edit()
            await getattr(cell.view, f"action_{action}")()

    def _cell(self):  # noqa: ANN202
        from .cell import Cell

        for node in self.ancestors:
            if isinstance(node, Cell):
                return node
        return None
