"""The scrollable cell column and every command-mode action on cells.

Large notebooks stay fast by windowing: only the cells within :data:`RADIUS` of the current cell are full
``Cell`` widgets; the cells before and after are drawn by a few ``StubBlock`` widgets, one line per cell, in
blocks of :data:`CHUNK` aligned to multiples of CHUNK so that moving the window rebuilds one block, not all of
them. Notebooks with at most :data:`FULL_LIMIT` cells are built in full. Clicking a stub line (or moving the
cursor there) brings that cell into the window, and so does scrolling (mouse wheel, scroll bar): once the
scrolling stops, the window moves to the cells in the middle of the view without moving the cursor; the next
cursor key brings the window back to the cursor.

Opening a notebook paints in two steps: first only the cells that fill the screen (the rest as stub lines),
then, right after that first frame, the full window. Laying out and rendering every cell's Markdown before the
first frame would make the user wait for cells they cannot see yet.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets import Static

from ..document import ModelMetadata, Prompt
from ..notebook import EditError
from ..parser_api import text_template
from ..sanitize import terminal_safe
from . import keys
from .cell import Cell, input_text, structured_input
from .reference_check import ReferencesChecked, check_cells
from .steady import NoRelayoutOnResize

if TYPE_CHECKING:
    from ..notebook import Notebook
    from .runs import RunController

FULL_LIMIT = 30
RADIUS = 7
MARGIN = 3
CHUNK = 100
COMMIT_DELAY = 0.4
SCROLL_SETTLE = 0.15
"""Seconds without scrolling after which the cells in view are built (not on every wheel step)."""
REFERENCE_CHECK_DELAY = 0.5
"""Seconds after the last change (and the last key) before the cells' references are checked again."""


class StubBlock(Static):
    """One dim line per cell for cells ``start..end`` (outside the window of full cells)."""

    DEFAULT_CSS = """
    StubBlock { height: auto; color: $text-muted; padding: 0 1 0 1; margin: 0 0 1 0; }
    """

    def __init__(self, view: "NotebookView", start: int, end: int) -> None:
        super().__init__()
        self.view = view
        self.start = start
        self.end = end
        self.styles.height = end - start  # fixed: measuring 50 lines of text per layout pass is what costs

    def render(self) -> Text:
        prompts = self.view.prompts_snapshot
        lines = Text(no_wrap=True, overflow="ellipsis")
        for i in range(self.start, min(self.end, len(prompts))):
            prompt = prompts[i]
            first = (input_text(prompt) or structured_input(prompt)).strip().splitlines()
            if i > self.start:
                lines.append("\n")
            lines.append(f"{i + 1:>3} ", "dim")
            lines.append(terminal_safe(prompt.name), "bold")
            lines.append(terminal_safe(f"  {first[0][:80] if first else ''}"))
            if prompt.outputs:
                lines.append(f"  ({len(prompt.outputs)} output{'s' if len(prompt.outputs) > 1 else ''})", "dim")
        return lines

    def on_click(self, event: events.Click) -> None:
        self.view.set_current(self.start + event.y)


def estimated_height(prompt: Prompt, width: int) -> int:
    """Lines a cell takes at ``width`` columns in the first frame, where text outputs are drawn plain (for deciding
    what that frame builds). Where it cannot know (word wrap, pictures, attachments) it counts low, so the cells
    it picks fill at least the rows it promises (tests/ui/test_first_frame.py)."""
    def lines(text: str) -> int:
        return sum(1 + max(0, len(line) - 1) // width for line in text.splitlines()) if text else 0

    height = 2 + max(1, min(lines(input_text(prompt)), 12))  # name line, input (at most 12 counted), margin
    outputs = prompt.outputs or []
    if outputs:
        height += 1  # the line above the outputs
    for output in outputs:
        data = getattr(output, "data", None)
        height += min(lines(data), 40) if isinstance(data, str) else 3  # text, or a media line / box
    return height


class EmptyHint(Static):
    DEFAULT_CSS = "EmptyHint { color: $text-muted; padding: 1 2; }"


class NotebookView(NoRelayoutOnResize, VerticalScroll, can_focus=True):
    BINDINGS = keys.bindings("notebook")

    DEFAULT_CSS = """
    NotebookView { height: 1fr; padding: 0 1; }
    """

    def __init__(self, notebook: "Notebook", runs: "RunController", *, read_only: bool = False, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.notebook = notebook
        self.runs = runs
        self.read_only = read_only
        self.current = 0
        self.prompts_snapshot: list[Prompt] = []
        self._window_range = (0, 0)
        self._anchor: int | None = None  # the window's centre after a scroll; None: the cursor
        self._scroll_timer = None
        self._cells: dict[int, Cell] = {}
        self._stubs: dict[tuple[int, int], StubBlock] = {}
        self._empty = EmptyHint("This notebook has no cells." if read_only
                                else "This notebook has no cells yet. Press b (or a) to add one.")
        self._index_cache: tuple[int, dict[int, int]] = (-1, {})
        self._sync_lock = asyncio.Lock()
        self._sync_pending = False
        self._stale_check_pending = False
        self._sync_content = True
        self._sync_background = False  # the pending sync is for background changes only
        self._first_frame = True  # the next sync builds only what the first screen shows
        self._commit_timers: dict[int, object] = {}
        self.chords = keys.ChordState()
        self._reference_timer = None
        self._references_confirmed: dict[int, frozenset[str]] = {}  # id(prompt) -> the problems the user accepted
        self.clipboard: Prompt | None = None

    # -- reading -------------------------------------------------------------------------------------------------

    def index_of(self, prompt: Prompt) -> int:
        revision, table = self._index_cache
        if revision != self.notebook.revision or len(table) != len(self.notebook.doc.prompts):
            with self.notebook.lock:
                table = {id(p): i for i, p in enumerate(self.notebook.doc.prompts)}
            self._index_cache = (self.notebook.revision, table)
        return table.get(id(prompt), -1)

    def current_prompt(self) -> Prompt | None:
        with self.notebook.lock:
            prompts = self.notebook.doc.prompts
            return prompts[self.current] if 0 <= self.current < len(prompts) else None

    def current_cell(self) -> Cell | None:
        prompt = self.current_prompt()
        return self._cells.get(id(prompt)) if prompt is not None else None

    def cell_widgets(self) -> list[Cell]:
        return [w for w in self.children if isinstance(w, Cell)]

    # -- building --------------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.request_sync()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def watch_has_focus(self, _has_focus: bool) -> None:
        # Textual restyles a widget's whole subtree when it gains or loses focus (for rules like `X:focus Y`).
        # Nothing in the column is styled by its focus, and restyling every built cell cost 45-80 ms each time
        # edit mode was entered or left (or a dialog opened): restyle the column only. (Its own style must not
        # differ between focused and not either: that redrew every cell in view.)
        self.app.stylesheet.update_nodes([self], animate=True)
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.refresh()  # drawn with the column's scroll-bar colours

    def _theme_changed(self, _theme) -> None:  # noqa: ANN001
        """The current cell's bar colour is inline (Cell.mark_current): it follows a new theme here."""
        current = self.current_prompt()
        for cell in self._cells.values():
            cell.mark_current(cell.prompt is current)

    def request_sync(self, content: bool = True, *, background: bool = False) -> None:
        """Rebuild the column from the document soon. ``background``: for a change the user did not make (a
        run's outputs); cells may hold such changes back while the user types (Cell.layout_held)."""
        self._sync_background = (self._sync_background if self._sync_pending else True) and background
        self._sync_content = self._sync_content or content
        if not self._sync_pending:
            self._sync_pending = True
            self.call_later(self._sync)

    def _first_screen(self, n: int) -> int:
        """How many cells to build for the first frame: enough to fill the terminal's height by a low estimate of
        each cell's height (the column is shorter than the terminal by the header and the key hints). The rest
        is built right after that frame."""
        height, width = self.app.size.height, max(20, self.app.size.width - 8)
        prompts = self.prompts_snapshot
        filled = 0
        for count, prompt in enumerate(prompts[:n], start=1):
            filled += estimated_height(prompt, width)
            if filled >= height:
                return count
        return n

    def _window(self, n: int) -> tuple[int, int]:
        if self._first_frame:
            first = self._first_screen(n)
            if self.current < first < n:
                return 0, first
        if n <= FULL_LIMIT:
            return 0, n
        size = 2 * RADIUS + 1
        w0, w1 = self._window_range
        c = self.current if self._anchor is None else min(self._anchor, n - 1)
        comfortable = (w0 + MARGIN <= c < w1 - MARGIN) or (w0 == 0 and c < w1 - MARGIN) or (w1 == n and c >= w0 + MARGIN)
        if not comfortable or w1 > n or w1 - w0 != size:
            w0 = max(0, c - RADIUS)
            w1 = min(n, w0 + size)
            w0 = max(0, w1 - size)
        return w0, w1

    def _stub(self, start: int, end: int) -> StubBlock:
        stub = self._stubs.get((start, end))
        if stub is None:
            stub = self._stubs[(start, end)] = StubBlock(self, start, end)
        return stub

    def _cell(self, prompt: Prompt) -> Cell:
        cell = self._cells.get(id(prompt))
        if cell is None or cell.prompt is not prompt:
            cell = self._cells[id(prompt)] = Cell(self, prompt)
        return cell

    async def sync_now(self) -> None:
        """Rebuild now (structural commands await this so the next key sees the new column)."""
        self._sync_content = True
        await self._sync()

    async def _sync(self) -> None:
        async with self._sync_lock:
            self._sync_pending = False
            if not self.is_attached:  # a sync queued just before quitting: the view has left the screen
                return
            content, self._sync_content = self._sync_content, False
            background, self._sync_background = self._sync_background, False
            with self.notebook.lock:
                prompts = list(self.notebook.doc.prompts)
            self.prompts_snapshot = prompts
            n = len(prompts)
            self.current = max(0, min(self.current, n - 1)) if n else 0
            w0, w1 = self._window_range = self._window(n)
            desired: list = []
            for start in range(0, w0, CHUNK):
                desired.append(self._stub(start, min(start + CHUNK, w0)))
            desired.extend(self._cell(prompts[i]) for i in range(w0, w1))
            start = w1
            while start < n:
                end = min(n, (start // CHUNK + 1) * CHUNK)
                desired.append(self._stub(start, end))
                start = end
            if n == 0:
                desired.append(self._empty)
            wanted = {id(w) for w in desired}
            stale = [w for w in self.children if id(w) not in wanted]
            if stale:
                await self.remove_children(stale)
            # Each await below and above lets other callbacks run, the app's quit among them; mounting into a
            # view that has left the screen raises MountError, so every mount first checks that it is still on.
            if not self.is_attached:
                return
            self._cells = {id(c.prompt): c for c in desired if isinstance(c, Cell)}
            self._stubs = {(s.start, s.end): s for s in desired if isinstance(s, StubBlock)}
            fresh = [w for w in desired if w.parent is None]
            if fresh and len(fresh) == len(desired):
                await self.mount_all(desired)
            else:
                for i, widget in enumerate(desired):
                    children = self.children
                    if widget.parent is None:
                        if not self.is_attached:
                            return
                        if i < len(children):
                            await self.mount(widget, before=children[i])
                        else:
                            await self.mount(widget)
                    elif i < len(children) and children[i] is not widget:
                        self.move_child(widget, before=children[i])
            fresh_ids = {id(w) for w in fresh}
            if content or any(isinstance(w, Cell) for w in fresh):
                self.schedule_reference_check()
            for widget in desired:
                if isinstance(widget, Cell):
                    widget.mark_current(widget.prompt is prompts[self.current])
                    if content and id(widget) not in fresh_ids:
                        widget.refresh_cell(background=background)
                elif isinstance(widget, StubBlock) and content:
                    widget.refresh(layout=True)
            self._scroll_to_current()
            self.post_message_to_app_current_changed()
            if self._first_frame:
                self._first_frame = False
                from .startup_trace import record

                record("first cells mounted")
                if (w0, w1) != self._window(n):
                    self.call_after_refresh(self.request_sync, False)

    # -- empty references (checked off the key path) -----------------------------------------------------------------

    def schedule_reference_check(self) -> None:
        """Check the built cells' references once the document and the keyboard have been quiet a moment."""
        if self._reference_timer is not None:
            self._reference_timer.stop()  # type: ignore[attr-defined]
        self._reference_timer = self.set_timer(REFERENCE_CHECK_DELAY, self._start_reference_check)

    def _start_reference_check(self) -> None:
        self._reference_timer = None
        priority = getattr(self.app, "input_priority", None)
        if priority is not None and priority.typing(within=REFERENCE_CHECK_DELAY):
            self.schedule_reference_check()
            return
        # Only cells with a tag to check, or warnings to take back: most cells have neither, and need no worker.
        prompts = [cell.prompt for cell in self._cells.values()
                   if cell.reference_lines or "{{" in (text_template(cell.prompt) or "")]
        if prompts:
            self._check_references(prompts)

    @work(thread=True, exclusive=True, group="reference-check", exit_on_error=False)
    def _check_references(self, prompts: list[Prompt]) -> None:
        self.post_message(ReferencesChecked(check_cells(self.notebook, prompts)))

    def on_references_checked(self, message: ReferencesChecked) -> None:
        message.stop()
        for cell in list(self._cells.values()):
            found = message.results.get(id(cell.prompt))
            if found is not None:
                cell.set_references(*found)

    def post_message_to_app_current_changed(self) -> None:
        on_current = getattr(self.app, "on_current_cell_changed", None)
        if on_current is not None:
            on_current(self.current_prompt())

    def _scroll_to_current(self) -> None:
        if self._anchor is not None:  # the window moved to where the user scrolled: keep them looking there
            anchored = self._cells.get(id(self.prompts_snapshot[self._anchor])) \
                if self._anchor < len(self.prompts_snapshot) else None
            if anchored is not None:
                self.call_after_refresh(self.scroll_to_center, anchored, animate=False)
            return
        cell = self.current_cell()
        if cell is not None:
            self.call_after_refresh(self.scroll_to_widget, cell, animate=False)

    # -- scrolling -------------------------------------------------------------------------------------------------

    # Only the user's own scrolling moves the window (wheel, scroll bar); the column also scrolls when cells
    # are built or the cursor moves, and that must not.
    def on_mouse_scroll_down(self, _event: events.MouseScrollDown) -> None:
        self._user_scrolled()

    def on_mouse_scroll_up(self, _event: events.MouseScrollUp) -> None:
        self._user_scrolled()

    def on_scroll_to(self, _message) -> None:  # noqa: ANN001 - textual.scrollbar.ScrollTo (dragging the bar)
        self._user_scrolled()

    def on_scroll_up(self, _message) -> None:  # noqa: ANN001 - a click on the bar above the thumb
        self._user_scrolled()

    def on_scroll_down(self, _message) -> None:  # noqa: ANN001
        self._user_scrolled()

    def _user_scrolled(self) -> None:
        if len(self.prompts_snapshot) > FULL_LIMIT:
            if self._scroll_timer is not None:
                self._scroll_timer.stop()
            self._scroll_timer = self.set_timer(SCROLL_SETTLE, self._scrolled)

    def stub_index_at(self, y: int) -> int | None:
        """The cell drawn as a stub line at virtual row ``y`` of the column, if a stub is there."""
        for stub in self._stubs.values():
            region = stub.virtual_region
            if region.y <= y < region.y + region.height:
                index = stub.start + (y - region.y)
                return index if index < stub.end else None
        return None

    def _scrolled(self) -> None:
        """Scrolling stopped: if the middle of the view shows stub lines, build the cells there."""
        self._scroll_timer = None
        if self._sync_pending or self._sync_lock.locked():
            return  # the column is being rebuilt (its own scrolling is not the user's)
        middle = round(self.scroll_y) + self.scrollable_content_region.height // 2
        # the nearest stub line to the middle (the line itself may be a block's margin or a full cell's)
        index = next((i for d in range(4) for i in (self.stub_index_at(middle + d), self.stub_index_at(middle - d))
                      if i is not None), None)
        if index is not None:
            self._anchor = index
            self.request_sync(content=False)

    def refresh_prompt(self, prompt: Prompt | None, *, background: bool = False) -> None:
        """Redraw one cell's header and stream (a run's state); None: every cell. ``background``: after a run
        event rather than the user's command (see Cell.refresh_stream)."""
        if prompt is None:
            cells = list(self._cells.values())
        else:
            cell = self._cells.get(id(prompt))
            cells = [cell] if cell is not None else []
        for cell in cells:
            cell.refresh_header()
            cell.refresh_stream(background=background)

    def refresh_running(self) -> None:
        for cell in self._cells.values():
            if self.runs.state(cell.prompt).status == "running":
                cell.refresh_header()

    def visible_rows(self) -> Region:
        """The part of the column's virtual space on screen (what a cell's ``virtual_region`` is measured in)."""
        size = self.scrollable_content_region.size
        return Region(0, round(self.scroll_y), max(1, size.width), size.height)

    def refresh_stale(self) -> None:
        """Cells that were changed while out of view and are in view now draw the change."""
        for cell in list(self._cells.values()):
            if (cell.content_stale or cell.stream_stale) and cell.in_view():
                cell.catch_up()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value) and not self._stale_check_pending:
            self._stale_check_pending = True
            self.call_after_refresh(self._check_stale)

    def _check_stale(self) -> None:
        self._stale_check_pending = False
        self.refresh_stale()

    # -- cursor --------------------------------------------------------------------------------------------------

    def set_current(self, index: int) -> None:
        n = len(self.notebook.doc.prompts)
        index = max(0, min(index, n - 1)) if n else 0
        self.current = index
        self._anchor = None  # the window follows the cursor again
        if n > FULL_LIMIT:
            w0, w1 = self._window_range
            if self._window(n) != (w0, w1):
                self.request_sync(content=False)
                return
        for cell in self._cells.values():
            cell.mark_current(cell.prompt is self.current_prompt())
        self._scroll_to_current()
        self.post_message_to_app_current_changed()

    def action_cursor(self, delta: int) -> None:
        self.set_current(self.current + delta)

    def action_cursor_to(self, index: int) -> None:
        self.set_current(index if index >= 0 else len(self.notebook.doc.prompts) - 1)

    # -- chords ----------------------------------------------------------------------------------------------------

    async def action_chord(self, binding_id: str) -> None:
        spec = keys.BY_ID[binding_id]
        if self.chords.press(binding_id):
            await self.run_action(spec.action)
        else:
            first = keys.chord_display(spec, self.app._keymap).split(" ")[0]
            self.app.notify(f"{first}: press {first} again to {spec.description.split(' (')[0].lower()}",
                            timeout=keys.CHORD_TIMEOUT + 0.4)

    def on_key(self, event: events.Key) -> None:
        pending = self.chords.pending
        if pending is not None:
            spec = keys.BY_ID[pending]
            if event.key not in keys.effective_keys(spec, self.app._keymap).split(","):
                self.chords.reset()

    # -- which bindings apply -------------------------------------------------------------------------------------

    WRITE_ACTIONS = frozenset({"edit_cell", "add_cell", "undo", "redo", "cut_cell", "paste_cell", "move_cell",
                               "rename_cell", "run_cell", "run_and_next", "run_and_insert", "run_with_deps", "run_all", "clear_outputs",
                               "clear_all_outputs", "edit_json",
                               "change_model", "rename_notebook", "edit_description"})
    WRITE_CHORDS = frozenset({"delete-cell", "cancel-run"})
    SIDEBAR_ACTIONS = frozenset({"close_sidebar", "sidebar_tab"})

    def _failure_shown(self) -> bool:
        prompt = self.current_prompt()
        return prompt is not None and self.runs.state(prompt).failure is not None

    def _sidebar_open(self) -> bool:
        is_open = getattr(self.app, "sidebar_open", None)
        return bool(is_open and is_open())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Command-mode keys belong to the column itself: while a cell's editor or rename box (our
        # descendants) has focus they neither fire nor crowd the footer.
        if self.app.focused is not self and self.app.focused is not None and self in self.app.focused.ancestors:
            return False
        if action in self.SIDEBAR_ACTIONS and not self._sidebar_open():
            return False  # escape, [ and ] act on the sidebar only while it is open
        if action == "dismiss_error" and not self._failure_shown():
            return False  # escape goes on to the next binding (closing the sidebar) when there is no error
        if self.read_only and (action in self.WRITE_ACTIONS
                               or (action == "chord" and parameters and parameters[0] in self.WRITE_CHORDS)):
            return False
        return True

    # -- guards ----------------------------------------------------------------------------------------------------

    def _writable(self, what: str) -> bool:
        if self.read_only:
            self.app.notify(f"Read-only notebook: cannot {what}.", severity="warning")
            return False
        return True

    def _need_cell(self) -> Prompt | None:
        prompt = self.current_prompt()
        if prompt is None:
            self.app.notify("No cell here: press b to add one.")
        return prompt

    # -- cell commands ---------------------------------------------------------------------------------------------

    async def action_edit_cell(self) -> None:
        if not self._writable("edit"):
            return
        prompt = self._need_cell()
        cell = self.current_cell()
        if prompt is not None and structured_input(prompt):
            self.action_edit_json()  # no text to edit (a chat message object...): the JSON is the input
        elif prompt is not None and cell is not None:
            await cell.start_edit()

    def action_edit_json(self) -> None:
        if not self._writable("edit"):
            return
        prompt = self._need_cell()
        if prompt is None:
            return
        cell = self.current_cell()
        if cell is not None and cell.editing:
            cell.leave_edit()  # the text typed so far goes in first, so the JSON shows it
        from .input_json import InputJsonScreen

        def apply(value: object) -> None:
            index = self.index_of(prompt)
            if value is None or index < 0:
                return
            try:
                self.notebook.set_input(index, value)
            except EditError as exc:  # checked in the dialog already; the document has the last word
                self.app.notify(str(exc), severity="error")

        self.app.push_screen(InputJsonScreen(prompt), apply)

    def flush_edits(self) -> None:
        """Write what is in open editors to the notebook now (before save / quit / run)."""
        for cell in self._cells.values():
            if cell.editing:
                cell.commit_edit()

    def schedule_commit(self, cell: Cell) -> None:
        timer = self._commit_timers.pop(id(cell), None)
        if timer is not None:
            timer.stop()  # type: ignore[attr-defined]
        self._commit_timers[id(cell)] = self.set_timer(COMMIT_DELAY, cell.commit_edit)

    async def action_add_cell(self, offset: int) -> None:
        if not self._writable("add cells"):
            return
        source = self.current_prompt()
        model: str | None = None
        settings_model = None
        if source is None:
            model = self.notebook.doc.metadata.default_model
        elif source.metadata is not None and source.metadata.model:
            meta = source.metadata.model
            model = meta if isinstance(meta, str) else meta.name
            if isinstance(meta, ModelMetadata) and meta.settings and "model" in meta.settings:
                settings_model = meta.settings["model"]
        index = 0 if source is None else self.current + offset
        self.notebook.add_prompt(index, model=model)
        if settings_model is not None:
            self.notebook.set_setting(index, "model", settings_model)
        self.current = index
        await self.sync_now()

    async def action_delete_cell(self) -> None:
        if not self._writable("delete cells"):
            return
        prompt = self._need_cell()
        if prompt is None:
            return
        self.runs.cancel(prompt)
        removed = self.notebook.delete_prompt(self.current)
        self.runs.forget(removed)
        await self.sync_now()
        self.app.notify(f"Deleted {removed.name!r}. Press z to undo.", timeout=3)

    async def action_undo(self) -> None:
        await self._history_step(redo=False)

    async def action_redo(self) -> None:
        await self._history_step(redo=True)

    async def _history_step(self, *, redo: bool) -> None:
        if not self._writable("undo"):
            return
        self.flush_edits()  # what is being typed is an edit too: it goes in (and can be undone) first
        step = self.notebook.redo() if redo else self.notebook.undo()
        if step is None:
            self.app.notify("Nothing to redo." if redo else "Nothing to undo.")
            return
        if step.focus is not None:
            index = self.index_of(step.focus)
            if index >= 0:
                self.current = index
        self.current = max(0, min(self.current, len(self.notebook.doc.prompts) - 1))
        await self.sync_now()
        self.app.notify(f"{'Redone' if redo else 'Undone'}: {step.label}.", timeout=2)

    def action_copy_cell(self) -> None:
        prompt = self._need_cell()
        if prompt is not None:
            with self.notebook.lock:
                self.clipboard = prompt.model_copy(deep=True)
            self.app.notify(f"Copied {prompt.name!r}. Press v to paste below.", timeout=2)

    async def action_cut_cell(self) -> None:
        if not self._writable("cut cells"):
            return
        prompt = self._need_cell()
        if prompt is None:
            return
        with self.notebook.lock:
            self.clipboard = prompt.model_copy(deep=True)
        self.runs.cancel(prompt)
        self.notebook.delete_prompt(self.current)
        await self.sync_now()

    async def action_paste_cell(self) -> None:
        if not self._writable("paste cells"):
            return
        if self.clipboard is None:
            self.app.notify("Nothing to paste: copy (c) or cut (x) a cell first.")
            return
        index = self.current + 1 if self.notebook.doc.prompts else 0
        self.notebook.insert_prompt(index, self.clipboard)
        self.current = index
        await self.sync_now()

    async def action_move_cell(self, delta: int) -> None:
        if not self._writable("move cells"):
            return
        if self._need_cell() is None:
            return
        self.current = self.notebook.move_prompt(self.current, delta)
        await self.sync_now()

    async def action_rename_cell(self) -> None:
        if not self._writable("rename cells"):
            return
        cell = self.current_cell()
        if cell is not None:
            await cell.start_rename()

    def action_clear_outputs(self) -> None:
        if not self._writable("clear outputs"):
            return
        if self._need_cell() is not None:
            self.notebook.clear_outputs(self.current)

    def action_clear_all_outputs(self) -> None:
        if not self._writable("clear outputs"):
            return
        with self.notebook.lock:
            cells = sum(1 for p in self.notebook.doc.prompts if p.outputs)
        if not cells:
            self.app.notify("No cell has outputs.")
            return
        from .dialogs import ConfirmScreen

        def apply(yes: bool | None) -> None:
            if yes:
                self.notebook.clear_outputs()

        # Outputs can be hours of generation (pictures, long answers): ask, as a delete would.
        plural = "s" if cells != 1 else ""
        self.app.push_screen(ConfirmScreen("Clear every output?",
                                           f"The outputs of {cells} cell{plural} go from the notebook (the file "
                                           "keeps them until you save)."), apply)

    def action_outputs_json(self) -> None:
        prompt = self._need_cell()
        if prompt is None:
            return
        with self.notebook.lock:
            outputs = list(prompt.outputs or [])
        if not outputs:
            self.app.notify("The cell has no outputs yet.")
            return
        from .outputs_json import OutputsJsonScreen

        self.app.push_screen(OutputsJsonScreen(prompt.name, outputs))

    def action_copy_output(self) -> None:
        prompt = self._need_cell()
        if prompt is None:
            return
        from .outputs import copyable_text

        with self.notebook.lock:
            text = copyable_text(list(prompt.outputs or []))
        if text is None:
            self.app.notify("Nothing to copy: the cell has no text output." if not prompt.outputs
                            else "The cell's outputs are images or audio: press o to open them.")
            return
        # OSC 52: the terminal puts it on the clipboard, over SSH too (tmux needs `set -g set-clipboard on`).
        self.app.copy_to_clipboard(text)
        self.app.notify(f"Copied {len(text):,} characters of {prompt.name}'s output.")

    # -- runs ------------------------------------------------------------------------------------------------------

    def run_prompt(self, prompt: Prompt, *, with_deps: bool = False) -> None:
        if not self._writable("run cells"):
            return
        if self.notebook.model_name(prompt) is None:
            from .cell import choose_model_hint

            self.app.notify(f"{terminal_safe(prompt.name)} has no model: {choose_model_hint(self.app)}.",
                            title="Not run", severity="warning", markup=False)
            return
        runs_first: set[int] = set()
        if with_deps:
            from ..resolve import dependencies

            with self.notebook.lock:
                doc = self.notebook.doc
                index = self.notebook.index_of(prompt)
                if index >= 0:
                    runs_first = {id(doc.prompts[i]) for i in dependencies(doc, index, self.notebook.registry)}
        self._confirm_references([prompt], lambda: self.runs.run_cell(prompt, with_deps=with_deps),
                                 runs_first=runs_first)

    def _confirm_references(self, prompts: list[Prompt], go, *, runs_first: set[int] | None = None,  # noqa: ANN001
                            in_order: bool = False) -> None:
        """Run ``go`` now, or after the user agrees to send empty references (once per cell and set of
        problems; never when ``confirm_empty_references`` is off in config.toml)."""
        config = getattr(self.app, "config", None)
        if config is not None and not getattr(config, "confirm_empty_references", True):
            go()
            return
        from .reference_check import problems_before_run, question

        found = problems_before_run(self.notebook, prompts, runs_first=runs_first, in_order=in_order)
        accepted = {id(p): frozenset(map(str, problems)) for p, problems in found}
        if all(self._references_confirmed.get(key) == value for key, value in accepted.items()):
            go()
            return
        from .dialogs import SendAnywayScreen
        from .safe_text import plain

        def answer(yes: bool | None) -> None:
            if yes:
                self._references_confirmed.update(accepted)
                go()

        title, text = question(found)
        self.app.push_screen(SendAnywayScreen(title, plain(text)), answer)

    def action_run_cell(self) -> None:
        prompt = self._need_cell()
        if prompt is not None:
            self.run_prompt(prompt)

    async def action_run_and_next(self) -> None:
        """Jupyter's shift+enter: run, then the next cell; at the last cell, a new cell in edit mode."""
        prompt = self._need_cell()
        if prompt is None or not self._writable("run cells"):
            return
        self.run_prompt(prompt)
        if self.current + 1 < len(self.notebook.doc.prompts):
            self.set_current(self.current + 1)
        else:
            await self._add_and_edit()

    async def action_run_and_insert(self) -> None:
        """Jupyter's alt+enter: run, then a new cell below in edit mode."""
        prompt = self._need_cell()
        if prompt is None or not self._writable("run cells"):
            return
        self.run_prompt(prompt)
        await self._add_and_edit()

    async def _add_and_edit(self) -> None:
        await self.action_add_cell(1)
        cell = self.current_cell()
        if cell is not None:
            await cell.start_edit()

    def action_run_with_deps(self) -> None:
        prompt = self._need_cell()
        if prompt is not None:
            self.run_prompt(prompt, with_deps=True)

    def action_run_all(self) -> None:
        if self._writable("run cells"):
            with self.notebook.lock:
                prompts = list(self.notebook.doc.prompts)
            self._confirm_references(prompts, self.runs.run_all, in_order=True)

    def action_dismiss_error(self) -> None:
        prompt = self.current_prompt()
        if prompt is not None:
            self.runs.dismiss_failure(prompt)  # nothing to dismiss: the key does nothing

    def action_cancel_run(self) -> None:
        prompt = self._need_cell()
        if prompt is not None and not self.runs.cancel(prompt):
            self.app.notify(f"{prompt.name!r} is not running.")

    # -- app-level panels (the app owns them; these keys live in command mode) ------------------------------------

    async def action_toggle_sidebar(self) -> None:
        await self.app.run_action("toggle_sidebar")

    async def action_close_sidebar(self) -> None:
        await self.app.run_action("close_sidebar")

    def action_sidebar_tab(self, step: int) -> None:
        sidebar = getattr(self.app, "sidebar", None)
        if sidebar is not None:
            sidebar.action_tab(step)

    async def action_global_params(self) -> None:
        await self.app.run_action("global_params")

    async def action_change_model(self) -> None:
        await self.app.run_action("change_model")

    async def action_global_models(self) -> None:
        await self.app.run_action("global_models")

    async def action_hf_token(self) -> None:
        await self.app.run_action("hf_token")

    async def action_rename_notebook(self) -> None:
        await self.app.run_action("rename_notebook")

    async def action_edit_description(self) -> None:
        await self.app.run_action("edit_description")

    async def action_help(self) -> None:
        await self.app.run_action("help")

    def rename_current(self, name: str) -> str | None:
        """Rename the current cell; returns the error message when refused (tests and palette use it)."""
        try:
            self.notebook.rename_prompt(self.current, name)
        except EditError as exc:
            return str(exc)
        return None
