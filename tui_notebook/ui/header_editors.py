"""The header's inline editors (notebook name, description), imported when first used: the description
editor is a TextArea, which costs ~30 ms to import and is not needed to draw a notebook."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input, TextArea
from .inert import install_text_area

install_text_area()  # this module draws user text in a TextArea: keep it inert


def _header(widget):  # noqa: ANN001, ANN202
    from .header import NotebookHeader

    return next(a for a in widget.ancestors if isinstance(a, NotebookHeader))


class NameInput(Input):
    # priority: both move the focus back to the cells (see key_order)
    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True),
                Binding("enter", "apply", "Rename", priority=True)]

    def action_cancel(self) -> None:
        _header(self).end_edit()

    def action_apply(self) -> None:
        _header(self).apply_name(self.value)


class DescriptionEditor(TextArea):
    BINDINGS = [Binding("escape,ctrl+r,ctrl+j", "done", "Done", priority=True)]

    def action_done(self) -> None:
        header = _header(self)
        header.notebook.set_description(self.text)
        header.end_edit()
