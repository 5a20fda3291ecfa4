"""The header's inline editors (notebook name, description), imported when first used: the description
editor is a TextArea, which costs ~30 ms to import and is not needed to draw a notebook."""

from __future__ import annotations

from textual.widgets import Input, TextArea
from .inert import install_text_area

install_text_area()  # this module draws user text in a TextArea: keep it inert


def _header(widget):  # noqa: ANN001, ANN202
    from .header import NotebookHeader

    return next(a for a in widget.ancestors if isinstance(a, NotebookHeader))


class NameInput(Input):
    BINDINGS = [("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        _header(self).end_edit()


class DescriptionEditor(TextArea):
    BINDINGS = [("escape", "done", "Done"), ("ctrl+r,ctrl+j", "done", "Done")]

    def action_done(self) -> None:
        header = _header(self)
        header.notebook.set_description(self.text)
        header.end_edit()
