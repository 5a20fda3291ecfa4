"""Editing keys every text field shares, whatever widget it is (``Input``, ``TextArea``): ``ctrl+a`` selects all
(readline's "start of line" stays on ``home``), ``ctrl+k`` deletes to the end of the logical line (Textual's
TextArea stops at the end of the wrapped row), joining the next line when the cursor is already at the end.

The app binds the keys (priority, so before the field's own readline bindings) and runs them here on the focused
widget; with no text field focused they are not active and the key goes on as usual."""

from __future__ import annotations

from textual.widget import Widget


def is_text_field(widget: Widget | None) -> bool:
    """An editable ``Input`` or ``TextArea`` (by duck type: TextArea is not imported before the first edit)."""
    if widget is None or getattr(widget, "read_only", False) or widget.disabled:
        return False
    return hasattr(widget, "select_all") and (hasattr(widget, "document") or hasattr(widget, "cursor_position"))


def select_all(widget: Widget) -> None:
    widget.select_all()  # type: ignore[attr-defined]


def kill_line(widget: Widget) -> None:
    """Delete from the cursor to the end of its logical line; at the end of a line, join the next one."""
    if hasattr(widget, "document"):  # TextArea
        row, column = widget.selection.end  # type: ignore[attr-defined]
        line = widget.document.get_line(row)  # type: ignore[attr-defined]
        if column < len(line):
            widget.delete((row, column), (row, len(line)))  # type: ignore[attr-defined]
        elif row + 1 < widget.document.line_count:  # type: ignore[attr-defined]
            widget.delete((row, column), (row + 1, 0))  # type: ignore[attr-defined]
    else:  # Input: one line
        widget.action_delete_right_all()  # type: ignore[attr-defined]
