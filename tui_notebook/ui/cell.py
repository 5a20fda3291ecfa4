"""One cell, fully drawn: header (name, task/model, status), input, attachments, outputs, streamed text.

Cells never edit the document themselves except through the Notebook's methods, and never run anything: the
view (``NotebookView``) owns commands; a cell only knows how to show a prompt and host its inline editors.
"""

from __future__ import annotations

import json

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

from ..document import Error, Prompt, PromptInput
from ..notebook import EditError
from ..parser_api import UnknownParser, text_template
from ..registry import model_settings
from ..sanitize import terminal_safe
from .key_order import focus_now
from .cell_header import CellHeader, fit_header
from .live_text import LiveText
from .steady import NoRelayoutOnResize, SteadyStatic, SteadyVertical
from .outputs import attachment_widget, display_text, output_widget
from .template_highlight import highlight_templates, reference_warnings

CURRENT_MARK = "▶"
"""Before the current cell's number: shows which cell is current without colour (NO_COLOR, monochrome)."""

STREAM_STEP = 6
"""Streamed text reserves its height in steps of this many lines (see LiveText.grow_step)."""

if TYPE_CHECKING:
    from .editor import PromptEditor
    from .notebook_view import NotebookView

STATUS_STYLE = {
    "queued": "bold yellow",
    "running": "bold cyan",
    "finished": "green",
    "failed": "bold red",
    "cancelled": "magenta",
}


FAILURE_LINES = 6
"""Lines of an error message the failure panel shows (the rest is elided)."""


def failure_text(failure: Error, kept_outputs: bool, dismiss_key: str) -> Text:
    """What the failure panel says: the error, and that nothing was lost."""
    lines = (failure.evalue or "").splitlines() or [""]
    if len(lines) > FAILURE_LINES:
        lines = [*lines[:FAILURE_LINES], "…"]
    text = Text.assemble(("✗ Run failed", "bold"), terminal_safe(f" — {failure.ename}: "),
                         terminal_safe("\n".join(lines)))
    kept = "the outputs below are from the last successful run · " if kept_outputs else ""
    text.append(f"\n{kept}{dismiss_key} dismisses", style="dim")
    return text


def input_text(prompt: Prompt) -> str:
    text = text_template(prompt)
    return text if text is not None else ""


def structured_input(prompt: Prompt) -> str:
    """An input that is an object with more than attachments and text (a chat message ``{"role", "content"}``,
    data that is not a string): the object as one line of JSON, which is what the cell shows and ``J`` edits.
    "" for every other input."""
    value = prompt.input
    if not isinstance(value, PromptInput) or isinstance(value.data, str):
        return ""
    dumped = value.model_dump(mode="json", exclude_none=True)
    if not set(dumped) - {"attachments"}:
        return ""
    return json.dumps(dumped, ensure_ascii=False)


def choose_model_hint(app) -> str:  # noqa: ANN001
    """``press m to choose a model``, with the key the user's keymap gives that command."""
    from . import keys

    shown = keys.chord_display(keys.BY_ID["change-model"], getattr(app, "_keymap", None) or {})
    return f"press {shown.split(' / ')[0]} to choose a model"


class RenameInput(Input):
    # priority: both move the focus back to the column (see key_order)
    BINDINGS = [Binding("escape", "cancel_rename", "Cancel", priority=True),
                Binding("enter", "apply_rename", "Rename", priority=True)]

    def _cell(self) -> "Cell | None":
        return next((a for a in self.ancestors if isinstance(a, Cell)), None)

    def action_cancel_rename(self) -> None:
        cell = self._cell()
        if cell is not None:
            cell.end_rename()

    def action_apply_rename(self) -> None:
        cell = self._cell()
        if cell is not None:
            cell.apply_rename(self.value)


class Cell(NoRelayoutOnResize, Widget):
    DEFAULT_CSS = """
    Cell { height: auto; padding: 0 1 0 0; margin: 0 0 1 0; border-left: outer $panel; }
    Cell .cell-header { height: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    Cell .cell-header.-current { color: $text; }
    Cell .cell-input { padding: 0 1; background: $surface; }
    Cell .cell-refs { padding: 0 1; height: auto; }
    Cell .cell-attachments { color: $text-muted; height: auto; }
    Cell .cell-attachments .attachment-line { padding: 0 1; }
    Cell .cell-outputs { height: auto; }
    Cell .cell-outputs.-filled { border-top: dashed $primary 40%; }
    Cell .cell-stream { padding: 0 1; color: $text; }
    Cell .output-error { color: $error; padding: 0 1; }
    Cell .cell-failure { color: $error; background: $error 12%; padding: 0 1; height: auto; }
    Cell .output-media { color: $text-muted; padding: 0 1; }
    Cell .output-text { margin: 0; padding: 0 1; }
    Cell .output-text > * { margin: 0; }
    Cell .output-data { padding: 0 1; }
    Cell RenameInput { height: 3; }
    """

    def __init__(self, view: "NotebookView", prompt: Prompt) -> None:
        super().__init__()
        self.view = view
        self.prompt = prompt
        self.editing = False
        self._outputs_sig: tuple | None = None
        self._header = CellHeader(self.refresh_header, classes="cell-header")
        self._failure = SteadyStatic(classes="cell-failure")
        self._failure.display = False
        self._failure_sig: tuple | None = None
        self._input = SteadyStatic(classes="cell-input")
        self._refs = SteadyStatic(classes="cell-refs")
        self._refs.display = False
        self._empty_refs: frozenset[str] = frozenset()  # inner text of tags that insert nothing (NotebookView)
        self._ref_lines: tuple[str, ...] = ()
        self._attachments = SteadyVertical(classes="cell-attachments")
        self._attachments_sig: tuple | None = None
        self._outputs = SteadyVertical(classes="cell-outputs")
        self._stream = LiveText(classes="cell-stream", grow_step=STREAM_STEP)
        self.stream_stale = False
        self.content_stale = False
        self._swapping: list[Widget] | None = None  # final outputs mounting hidden, to replace the stream
        self._input_sig: tuple[str, str, bool, frozenset[str]] | None = None
        self._editor: PromptEditor | None = None
        self._rename: RenameInput | None = None
        self._marked: tuple[bool, str] | None = None  # (current?, theme) as last drawn by mark_current

    def compose(self) -> ComposeResult:
        yield self._header
        yield self._failure
        yield self._input
        yield self._refs
        yield self._attachments
        yield self._outputs
        yield self._stream

    def on_mount(self) -> None:
        self.refresh_cell()

    @property
    def is_current(self) -> bool:
        return self._marked is not None and self._marked[0]

    def mark_current(self, current: bool) -> None:
        """The current cell's left bar takes the theme's accent colour and its header full contrast.

        An inline colour and a class on the header, not a class on the cell: Textual restyles the whole subtree
        of a widget whose classes change and repaints every widget in it, which cost ~20 ms per j/k (two cells)
        on this machine; a border colour repaints the cell's bar, a header class one line."""
        key = (current, self.app.theme)
        if key == self._marked:
            return
        self._marked = key
        colours = self.app.theme_variables
        self.styles.border_left = ("outer", colours["accent"] if current else colours["panel"])
        self._header.set_class(current, "-current")
        if self.is_mounted:
            self.refresh_header()  # its gutter glyph: the current cell shows without colour too

    # -- drawing -----------------------------------------------------------------------------------------------

    def header_text(self) -> Text:
        nb = self.view.notebook
        index = self.view.index_of(self.prompt)
        marker = CURRENT_MARK if self.is_current else " "
        named = Text.assemble((marker, "bold"), (f"{index + 1:>2} ", "dim"), (terminal_safe(self.prompt.name), "bold"))
        text = named + Text("  ")
        tail = Text()
        model_part: str | None = None  # the part that is shortened when the line is too narrow (fit_header)
        model = nb.model_name(self.prompt)
        if model is None:
            text.append(f"no model — {choose_model_hint(self.app)}", style="yellow")
        else:
            parser = nb.parser_for(self.prompt)
            if isinstance(parser, UnknownParser):
                text.append(terminal_safe(f"{model} (not runnable)"), style="red")
            else:
                label = parser.label or parser.task or parser.id
                text.append(terminal_safe(label), style="italic")
                try:
                    shown = model_settings(self.prompt, nb.doc).get("model")
                except Exception:  # noqa: BLE001 - a broken settings table must not break drawing
                    shown = None
                if isinstance(shown, str) and shown:
                    model_part = terminal_safe(shown)
                elif model != label:
                    model_part = terminal_safe(model)
                _append_destination(tail, parser, self.prompt, nb, model)
        run = self.view.runs.state(self.prompt)
        status = run.describe()
        if status:
            tail.append("   ● " + status, style=STATUS_STYLE.get(run.status, ""))
        width = self._header.width_cells
        if model_part and model is not None and width > 0 \
                and text.cell_len + len(f" · {model_part}") + tail.cell_len > width:
            text = named  # narrow: the task label gives way first, so the model id keeps its room
        return fit_header(text, model_part, tail, width)

    def refresh_header(self) -> None:
        self._header.set_text(self.header_text())
        self.refresh_failure()

    def refresh_failure(self) -> None:
        """The last run's error, under the header: the outputs below are the ones the cell had before."""
        failure = self.view.runs.state(self.prompt).failure
        kept = bool(self.prompt.outputs)
        signature = None if failure is None else (failure.ename, failure.evalue, kept)
        if signature == self._failure_sig:
            return
        self._failure_sig = signature
        self._failure.display = failure is not None
        if failure is not None:
            self._failure.update(failure_text(failure, kept, self._dismiss_key()))

    def _dismiss_key(self) -> str:
        from . import keys

        return keys.chord_display(keys.BY_ID["dismiss-error"], getattr(self.app, "_keymap", {}) or {})

    def _user_typing(self) -> bool:
        from .input_priority import LAYOUT_QUIET_S

        priority = getattr(self.app, "input_priority", None)
        return priority is not None and priority.typing(within=LAYOUT_QUIET_S)

    def layout_held(self) -> bool:
        """Whether a background change that would change this cell's height (and so move every cell below it,
        a layout pass and a repaint of the column) has to wait while the user types (InputPriority.holds_layout).
        The change is marked stale and drawn by NotebookView.refresh_stale."""
        priority = getattr(self.app, "input_priority", None)
        return priority is not None and priority.holds_layout(id(self))

    def refresh_cell(self, *, background: bool = False) -> None:
        """Draw the prompt as the document has it. ``background``: the change was not the user's (a run's
        outputs), and may wait while the user types (layout_held)."""
        prompt = self.prompt
        self.refresh_header()
        if self.off_screen():
            # A cell scrolled out of view catches up when it is scrolled back (NotebookView.refresh_stale):
            # new outputs change its height, and every height change is a layout pass and a repaint of the
            # whole column (20-40 ms here) for nothing the user can see. A header keeps its height.
            self.content_stale = True
            return
        if background and self._outputs_signature() != self._outputs_sig and self.layout_held():
            self.content_stale = True
            return
        self.content_stale = False
        if not self.editing:
            content = terminal_safe(input_text(prompt))
            structured = "" if content else terminal_safe(structured_input(prompt))
            has_attachments = isinstance(prompt.input, PromptInput) and prompt.input.attachments is not None
            # Static.update() always asks for a layout pass of the screen; every cell is refreshed on every
            # document change (a run finishing), so only a changed input may cost one.
            empty = self._empty_refs
            if (content, structured, has_attachments, empty) != self._input_sig:
                self._input_sig = (content, structured, has_attachments, empty)
                if content:
                    self._input.update(highlight_templates(content, empty=empty))
                elif structured:
                    shown = highlight_templates(structured, empty=empty)
                    shown.append("  · J edits it as JSON", style="dim")
                    self._input.update(shown)
                elif has_attachments:
                    self._input.update(Text("(input: the attachments below · t to edit them)", style="dim"))
                else:
                    self._input.update(Text("(empty prompt)", style="dim"))
        attachments = list(prompt.input.attachments or []) if isinstance(prompt.input, PromptInput) else []
        self._attachments.display = bool(attachments)
        att_signature = tuple((id(a), repr(a.data)[:200]) for a in attachments)
        if att_signature != self._attachments_sig:
            self._attachments_sig = att_signature
            self._attachments.remove_children()
            if attachments:
                self._attachments.mount_all([attachment_widget(a, i) for i, a in enumerate(attachments)])
        outputs = list(prompt.outputs or [])
        signature = self._outputs_signature()
        if signature != self._outputs_sig:
            self._outputs_sig = signature
            widgets = [output_widget(o) for o in outputs]
            if widgets and self._stream.text.plain:
                self._swap_stream_for(widgets)
            else:
                self._swapping = None
                self._outputs.remove_children()
                self._outputs.set_class(bool(widgets), "-filled")
                if widgets:
                    self._outputs.mount_all(widgets)
        self.refresh_stream()

    def set_references(self, empty: frozenset[str], lines: tuple[str, ...]) -> None:
        """Show which references insert nothing: ``empty`` tags highlighted apart, one warning line each
        (``lines``, already terminal-safe). Computed by the view off the key path; drawn only when changed."""
        if empty == self._empty_refs and lines == self._ref_lines:
            return
        self._empty_refs, self._ref_lines = empty, lines
        self._refs.display = bool(lines)
        self._refs.update(reference_warnings(list(lines)))
        if self._editor is not None:
            self._editor.show_empty_references(empty)
        if not self.editing:
            self._input_sig = None
            self.refresh_cell()

    @property
    def reference_lines(self) -> tuple[str, ...]:
        return self._ref_lines

    def _swap_stream_for(self, widgets: list[Widget]) -> None:
        """Put a finished run's output ``widgets`` in place of its streamed text (and of the outputs of the run
        before) in one step, once they are mounted: one layout pass, and no frame with both or neither.

        Textual lays a new widget out as soon as its own task has mounted it, and the container asks for a layout
        pass when all are mounted, from the awaitable it runs as its next callback (``Widget.mount``). So the
        widgets are mounted hidden, nothing else changes yet, and the swap is the container's next callback after
        that one: it runs in the same step as that request, before any pass can."""
        self._swapping = widgets
        for widget in widgets:
            widget.display = False
        self._outputs.mount_all(widgets)
        self._outputs.call_next(self._finish_swap, widgets)

    def _finish_swap(self, widgets: list[Widget]) -> None:
        if widgets is not self._swapping:
            return  # newer outputs took their place while these were mounting
        self._swapping = None
        stale = [child for child in self._outputs.children if all(child is not w for w in widgets)]
        for child in stale:
            child.display = False  # removing takes a few turns of the event loop; hidden now
        if stale:
            self._outputs.remove_children(stale)
        self._outputs.set_class(True, "-filled")
        for widget in widgets:
            widget.display = True
        self.refresh_stream()

    def _outputs_signature(self) -> tuple[int, ...]:
        return tuple(id(o) for o in self.prompt.outputs or [])

    def _outputs_pending(self) -> bool:
        """The document has outputs this cell has not drawn yet (a finished run, before the column's sync)."""
        return self._swapping is not None or self._outputs_signature() != self._outputs_sig

    def in_view(self) -> bool:
        """Whether any of the cell shows in the notebook column (Textual's is_on_screen is also True for
        widgets laid out but scrolled away)."""
        region = self.virtual_region
        return bool(region) and self.view.visible_rows().overlaps(region)

    def off_screen(self) -> bool:
        """Laid out, and scrolled out of view (a cell not laid out yet is neither: it must be drawn in full)."""
        region = self.virtual_region
        return bool(region) and not self.view.visible_rows().overlaps(region)

    def catch_up(self) -> None:
        """Draw what changed while the cell was out of view, or held back while the user typed."""
        if self.content_stale:
            self.refresh_cell(background=True)
        elif self.stream_stale:
            self.refresh_stream(background=True)

    def refresh_stream(self, *, background: bool = False) -> None:
        """Draw the run's streamed text. ``background``: a run event, not the user's command; a change of the
        stream box's height may wait while the user types (layout_held)."""
        run = self.view.runs.state(self.prompt)
        streaming = run.status == "running" and bool(run.text)
        if streaming and self.off_screen():
            # Off screen, streamed text would only cost layout passes (each new line moves every cell below);
            # the view's 4 Hz tick brings it up to date once the cell is scrolled into view.
            self.stream_stale = True
            return
        self.stream_stale = False
        if not streaming and self._stream.text.plain and self._outputs_pending():
            return  # the streamed text stays until the final outputs take its place (_swap_stream_for)
        shown = bool(self._stream.display)
        if background and streaming != shown and self.layout_held():
            self.stream_stale = True  # the box would appear or go away: later
            return
        self._stream.display = streaming
        if streaming:
            text = Text(display_text(run.text, tail=True))
            if background and shown and self._user_typing():
                # try it within the height the box has (its last lines); grow only if nothing holds it back
                if not self._stream.set_text(text, grow=False):
                    if self.layout_held():
                        self.stream_stale = True
                    else:
                        self._stream.set_text(text)
            else:
                self._stream.set_text(text)
        elif self._stream.text.plain:
            self._stream.clear()

    def on_click(self) -> None:
        index = self.view.index_of(self.prompt)
        if index >= 0 and index != self.view.current:
            self.view.set_current(index)

    # -- edit mode -----------------------------------------------------------------------------------------------

    async def start_edit(self) -> None:
        if self.editing:
            return
        self.editing = True
        from .editor import PromptEditor  # TextArea is imported on the first edit, not at start-up

        self._editor = PromptEditor(input_text(self.prompt), classes="cell-editor")
        self._editor.empty_references = self._empty_refs
        self._input.display = False
        await self.mount(self._editor, after=self._input)
        focus_now(self._editor)
        self._editor.move_cursor(self._editor.document.end)

    def on_text_area_changed(self, event: "PromptEditor.Changed") -> None:
        event.stop()
        self.view.schedule_commit(self)

    def commit_edit(self) -> None:
        if self._editor is not None:
            index = self.view.index_of(self.prompt)
            if index >= 0:
                self.view.notebook.set_input_text(index, self._editor.text)

    def leave_edit(self, run: bool = False) -> None:
        if not self.editing:
            return
        self.commit_edit()
        self.editing = False
        editor, self._editor = self._editor, None
        self._input.display = True
        self.refresh_cell()
        focus_now(self.view)
        if editor is not None:
            editor.remove()
        if run:
            self.view.run_prompt(self.prompt)

    # -- rename ----------------------------------------------------------------------------------------------------

    async def start_rename(self) -> None:
        if self._rename is not None:
            return
        self._rename = RenameInput(self.prompt.name, classes="cell-rename")
        self._header.display = False
        await self.mount(self._rename, before=self._input)
        focus_now(self._rename)

    def apply_rename(self, name: str) -> None:
        index = self.view.index_of(self.prompt)
        try:
            self.view.notebook.rename_prompt(index, name)
        except EditError as exc:
            self.app.notify(str(exc), title="Not renamed", severity="error")
            return
        self.end_rename()

    def end_rename(self) -> None:
        if self._rename is not None:
            self._rename.remove()
            self._rename = None
        self._header.display = True
        self.refresh_header()
        focus_now(self.view)


def _append_destination(text: Text, parser: object, prompt: object, nb: object, model: str) -> None:
    """`` → host`` for a remote cell: where its request goes (the parsed host, ASCII, so a URL crafted to look
    like another host shows what it really is); plain http is marked."""
    if getattr(parser, "local", True):
        return
    from ..parser_api import RunRequest
    from ..secrets import destination

    try:
        request = RunRequest(prompt_name=prompt.name, model_name=model, prompt_text=None,  # type: ignore[attr-defined]
                             attachments=[], settings=model_settings(prompt, nb.doc),  # type: ignore[attr-defined, arg-type]
                             notebook_dir=nb.folder, options=nb.options, prompt=prompt)  # type: ignore[attr-defined, arg-type]
        url = parser.destination(request)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a broken settings table or parser must not break drawing
        return
    dest = destination(url) if isinstance(url, str) else None
    if dest is None:
        return
    text.append(f" → {dest.key}", style="dim")
    if dest.scheme == "http":
        text.append(" (http)", style="yellow" if dest.loopback else "bold red")
