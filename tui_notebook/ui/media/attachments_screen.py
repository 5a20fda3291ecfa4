"""The attachments of one cell (ASR / image-to-text inputs): list, add, replace, remove, preview.

Keys: a add, r replace, d remove, enter preview (the media viewer), escape close. Adding asks for a local
path (with completion) or a URL; "embed" stores the file as base64 instead of a path relative to the notebook.
The attachment objects are made by :mod:`tui_notebook.media.attachments` and stored through the Notebook, so
undo/save/autosave see them like any other edit. URLs are not fetched here.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ...document import Prompt
from ..dialogs import dialog_css
from ..frames import PacedScreen
from ..key_hints import KeyHints
from ..outputs import attachment_line


class AttachmentsScreen(PacedScreen, ModalScreen[None]):
    DEFAULT_CSS = dialog_css("AttachmentsScreen") + """
    AttachmentsScreen OptionList { height: auto; max-height: 12; margin-bottom: 1; }
    AttachmentsScreen #hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("a", "add", "Add"),
        Binding("r", "replace", "Replace"),
        Binding("d,delete", "remove", "Remove"),
    ]

    def __init__(self, prompt: Prompt) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Attachments of {self.prompt.name}", id="title")
            yield OptionList(id="list")
            yield Static("", id="problem")
            yield Static("a add · r replace · d remove · enter preview · esc close", id="hint")
        yield KeyHints()

    @property
    def notebook(self):  # noqa: ANN201
        return self.app.notebook

    def attachments(self) -> list:
        inp = self.prompt.input
        return list(getattr(inp, "attachments", None) or [])

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one(OptionList).focus()

    def refresh_list(self) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        items = self.attachments()
        if not items:
            options.add_option(Option(Text("(no attachments: press a to add a file or a URL)", style="dim"),
                                      disabled=True))
            return
        options.add_options([Option(Text(attachment_line(a)), id=f"att-{i}") for i, a in enumerate(items)])
        if highlighted is not None:
            options.highlighted = min(highlighted, len(items) - 1)
        else:
            options.highlighted = 0

    def _selected(self) -> int | None:
        options = self.query_one(OptionList)
        if not self.attachments() or options.highlighted is None:
            return None
        return options.highlighted

    def problem(self, text: str) -> None:
        from ...sanitize import terminal_safe

        # problems quote file names and paths: shown inert
        self.query_one("#problem", Static).update(Text(terminal_safe(text), style="bold red") if text else "")

    def _store(self, attachments: list) -> None:
        index = self.notebook.index_of(self.prompt)
        self.notebook.set_attachments(index, attachments, warn=False)  # a wrong type was asked about first
        self.refresh_list()

    def _ask(self, replace_at: int | None) -> None:
        from .media_dialogs import PathInputScreen

        def chosen(result: tuple[str, bool] | None) -> None:
            if result is None:
                return
            from ...media.attachments import AttachmentError, make_attachment

            try:
                attachment = make_attachment(result[0], self.notebook.folder, embed=result[1])
            except AttachmentError as exc:
                self.problem(str(exc))
                return
            self.problem("")
            problems = self.notebook.attachment_problems(self.notebook.index_of(self.prompt), [attachment])
            if problems:
                from ..dialogs import WrongTypeScreen

                def answered(ok: bool | None) -> None:
                    if ok:
                        store(attachment)
                    else:
                        self.problem(f"Not attached: {problems[0]}.")

                self.app.push_screen(WrongTypeScreen(problems[0]), answered)
                return
            store(attachment)

        def store(attachment) -> None:  # noqa: ANN001
            items = self.attachments()
            if replace_at is None:
                items.append(attachment)
            else:
                items[replace_at] = attachment
            self._store(items)
            if replace_at is None:
                self.query_one(OptionList).highlighted = len(items) - 1

        verb = "Replace attachment" if replace_at is not None else "Add an attachment"
        self.app.push_screen(PathInputScreen(
            verb, "A file (relative to the notebook's folder, → completes) or an http(s) URL:", "",
            self.notebook.folder, ok="Attach", checkbox="Embed the file in the notebook (base64)"), chosen)

    def action_add(self) -> None:
        if getattr(self.app, "read_only", False):
            self.problem("Read-only notebook.")
            return
        self._ask(None)

    def action_replace(self) -> None:
        index = self._selected()
        if index is None:
            self.problem("Nothing to replace: press a to add.")
            return
        self._ask(index)

    def action_remove(self) -> None:
        index = self._selected()
        if index is None or getattr(self.app, "read_only", False):
            return
        items = self.attachments()
        del items[index]
        self._store(items)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        from ...media.items import attachment_media

        index = event.option_index
        items = self.attachments()
        if index >= len(items):
            return
        ref = attachment_media(items[index], index)
        if ref is None or not (ref.is_image or ref.is_audio):
            self.problem("No preview for this kind of file.")
            return
        from .image_viewer import MediaViewerScreen

        self.app.push_screen(MediaViewerScreen(self.prompt.name, [ref], self.notebook.folder,
                                               renderer=None))

    def action_close(self) -> None:
        self.dismiss(None)
