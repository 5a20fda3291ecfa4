"""The notebook header: name (editable), file path, dirty marker, running-cell count, description (Markdown)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from ..sanitize import terminal_safe
from .key_order import focus_now
from .live_text import LiveText
from .outputs import TextOutput

if TYPE_CHECKING:
    from ..notebook import Notebook


class NotebookHeader(Vertical):
    DEFAULT_CSS = """
    NotebookHeader { height: auto; max-height: 14; background: $panel; padding: 0 1; }
    NotebookHeader .title { height: 1; }
    NotebookHeader .description { max-height: 6; margin: 0; padding: 0; color: $text-muted; }
    NotebookHeader .description > * { margin: 0; }
    NotebookHeader DescriptionEditor { height: auto; max-height: 10; }
    NotebookHeader.-compact .description { max-height: 1; }
    """

    COMPACT_HEIGHT = 30
    """Terminals of at most this many rows show one line of the description, and none once the cells scroll."""

    def __init__(self, notebook: "Notebook", running: Callable[[], int], *, read_only: bool = False) -> None:
        super().__init__()
        self.notebook = notebook
        self._running_count = running
        self.read_only = read_only
        self._title = LiveText(classes="title")
        self._description = TextOutput("", classes="description")
        self._shown_description: str | None = None
        self._editor: Input | None = None  # or the description's TextArea (header_editors)

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._description

    def on_mount(self) -> None:
        self.refresh_header()

    def title_text(self) -> Text:
        nb = self.notebook
        text = Text.assemble(("📓 ", ""), (terminal_safe(nb.doc.name or "Untitled"), "bold"))
        if nb.dirty and not self.read_only:
            text.append(" ●", style="bold yellow")
        text.append(terminal_safe(f"   {nb.path if nb.path else '(not saved yet)'}"), style="dim")
        if nb.path is not None and not nb.path.exists():
            text.append(" (new file)", style="dim italic")
        running = self._running_count()
        if running:
            text.append(f"   ⟳ {running} running", style="bold cyan")
        if self.read_only:
            text.append("   [read-only]", style="bold magenta")
        return text

    def refresh_header(self) -> None:
        self._title.set_text(self.title_text())
        description = self.notebook.doc.description or ""
        if description != self._shown_description:
            self._shown_description = description
            self._description.display = self._description_shown()
            self._description.source = terminal_safe(description)
            self._description.refresh(layout=True)

    def fit(self, rows: int, scrolled: bool) -> None:
        """Give the cells the room on a small terminal: the description on one line, gone while they scroll."""
        compact = rows <= self.COMPACT_HEIGHT
        if compact != self.has_class("-compact"):
            self.set_class(compact, "-compact")
        if (compact and scrolled) != self.has_class("-scrolled"):
            self.set_class(compact and scrolled, "-scrolled")
            if self._editor is None:  # the description editor hides the description while it is open
                self._description.display = self._description_shown()

    def _description_shown(self) -> bool:
        return bool((self.notebook.doc.description or "").strip()) and not self.has_class("-scrolled")

    # -- inline edits -----------------------------------------------------------------------------------------------

    async def edit_name(self) -> None:
        from .header_editors import NameInput

        self.end_edit()
        self._editor = NameInput(self.notebook.doc.name, classes="name-editor")
        await self.mount(self._editor, before=self._description)
        focus_now(self._editor)

    async def edit_description(self) -> None:
        from .header_editors import DescriptionEditor  # TextArea: imported on first use, not at start-up

        self.end_edit()
        self._editor = DescriptionEditor(self.notebook.doc.description or "", soft_wrap=True,
                                          classes="description-editor")
        self._description.display = False
        await self.mount(self._editor)
        self._editor.move_cursor(self._editor.document.end)
        focus_now(self._editor)

    def apply_name(self, name: str) -> None:
        name = name.strip()
        if not name:
            self.app.notify("The notebook needs a name.", severity="error")
            return
        self.notebook.set_name(name)
        self.end_edit()

    def end_edit(self) -> None:
        if self._editor is not None:
            self._editor.remove()
            self._editor = None
            self._shown_description = None
            self.refresh_header()
            self.app.focus_notebook()
