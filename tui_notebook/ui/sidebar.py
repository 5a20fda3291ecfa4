"""The per-cell sidebar: model settings, local parameters, and the prompt exactly as it will be sent.

Mount one ``CellSidebar(notebook, prompt)`` and call ``set_prompt`` when the selected cell changes. It
subscribes to the notebook itself and follows every edit (from any thread), so the owner only calls
``refresh_from_notebook`` to force a re-read.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Select, Static, Switch, TabbedContent, TabPane, Tabs, TextArea

from ..document import Prompt
from ..notebook import Notebook
from ..resolve import Resolution
from ..sanitize import terminal_safe
from . import keys
from .key_order import focus_now
from .params_editor import ParamsEditor
from .settings_form import SettingsForm
from .safe_text import plain


class NotebookChanged(Message):
    """The notebook changed (posted from whatever thread edited it; coalesced)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, NotebookChanged)


def escaping_warning(resolution: Resolution) -> str:
    """The warning shown when HTML escaping changed values (empty when it changed none)."""
    if not resolution.escaped:
        return ""
    lines = ["HTML escaping changed these values (the model receives the escaped text):"]
    for item in resolution.escaped:
        raw = item.raw if len(item.raw) <= 60 else item.raw[:57] + "..."
        escaped = item.escaped if len(item.escaped) <= 60 else item.escaped[:57] + "..."
        lines.append(f"  {{{{{item.tag}}}}}: {raw!r} → {escaped!r}; write {{{{{{{item.tag}}}}}}} to send it unchanged")
    return "\n".join(lines)


class ResolvedPreview(Vertical):
    """The prompt text after parameters and ``{{cell.output}}`` references are filled in."""

    DEFAULT_CSS = """
    ResolvedPreview { height: auto; }
    ResolvedPreview #resolved-warning { color: $warning; margin-bottom: 1; }
    ResolvedPreview #resolved-missing { color: $warning; margin-bottom: 1; }
    ResolvedPreview #resolved-error { color: $error; }
    ResolvedPreview #resolved-text { background: $boost; padding: 0 1; }
    """

    def __init__(self, notebook: Notebook, prompt: Prompt, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.notebook = notebook
        """Resolution reads the whole notebook (global parameters, earlier outputs)."""
        self.prompt = prompt
        """The cell being previewed."""
        self.resolution: Resolution | None = None
        """The last resolution shown (None when it failed)."""
        self.error: str | None = None
        """Why resolving failed, when it did."""

    def compose(self) -> ComposeResult:
        yield Static("", id="resolved-error")
        yield Static("", id="resolved-warning")
        yield Static("", id="resolved-missing")
        yield Static("", id="resolved-text", markup=False)

    def on_mount(self) -> None:
        self.update()

    def _empty_references(self) -> str:
        """The references rendered as empty text, each with the reason (the cell shows the same lines)."""
        from ..resolve import check_references

        try:
            with self.notebook.lock:
                report = check_references(self.notebook.doc, self.notebook.index_of(self.prompt), None,
                                          self.notebook.registry)
        except Exception:  # noqa: BLE001 - the resolution above already shows why the prompt cannot resolve
            return ""
        if not report.problems:
            return ""
        return "Rendered as empty text:\n" + "\n".join(str(p) for p in report.problems)

    def update(self) -> None:
        """Resolve again and show the result."""
        try:
            index = self.notebook.index_of(self.prompt)
            self.resolution = self.notebook.resolve(index)
            self.error = None
        except Exception as exc:  # noqa: BLE001 - any failure to resolve is shown, never raised
            self.resolution = None
            self.error = str(exc) or type(exc).__name__
        try:
            error = self.query_one("#resolved-error", Static)
            warning = self.query_one("#resolved-warning", Static)
            missing = self.query_one("#resolved-missing", Static)
            text = self.query_one("#resolved-text", Static)
        except NoMatches:
            return  # still mounting; on_mount shows the result

        if self.resolution is None:
            error.update(plain(f"Cannot resolve this prompt: {self.error}"))
            warning.update("")
            missing.update("")
            text.update("")
            return
        error.update("")
        warning.update(plain(escaping_warning(self.resolution)))
        missing.update(plain(self._empty_references()))
        text.update(Text(terminal_safe(self.resolution.text or "(empty)")))


TAB_IDS = ("tab-settings", "tab-params", "tab-resolved")


class FieldColumn(VerticalScroll, can_focus=False, inherit_bindings=False):
    """A tab's column of fields. It scrolls to the focused field; it is no focus stop of its own (it would show
    nothing) and leaves ``up``/``down`` to the sidebar, which moves between the fields with them."""


class CellSidebar(Widget):
    """Settings, local parameters and resolved prompt of one cell, in tabs.

    Keyboard: ``focus_first_field`` puts the focus in the shown tab's first field (once the tabs are built);
    ``escape`` gives it back to the cell column, ``up``/``down`` move between fields, ``[``/``]`` switch tabs
    (keys a text field types, such as ``[``, stay with the field)."""

    BINDINGS = keys.bindings("sidebar")

    # The sidebar itself holds the focus while its tabs are still being built (``hold_focus``), so keys typed
    # right after ``s`` (escape, say) reach it, not the cells; it hands the focus on to its first field once that
    # exists, and is no focus stop otherwise.

    DEFAULT_CSS = """
    CellSidebar { width: 48; height: 1fr; border-left: vkey $panel; background: $surface; }
    CellSidebar #sidebar-title { text-style: bold; padding: 0 1; background: $panel; width: 100%; }
    CellSidebar #sidebar-body { height: 1fr; }
    CellSidebar #sidebar-empty { color: $text-muted; padding: 1; }
    CellSidebar TabbedContent { height: 1fr; }
    CellSidebar TabPane { padding: 0; }
    CellSidebar VerticalScroll { height: 1fr; padding: 0 1; }
    """

    def __init__(self, notebook: Notebook, prompt: Prompt | None, *, read_only: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.notebook = notebook
        """The open notebook (the sidebar subscribes to it while mounted)."""
        self.read_only = read_only
        """Show settings and parameters without letting them be edited (``--read-only``)."""
        self.prompt = prompt
        """The cell shown (None: no cell selected)."""
        self._parser_id: str | None = None
        """Parser id the settings form was built for; a different one means a new form."""
        self._tab = "tab-settings"
        """The tab to show; kept across cells so "parameters of the next cell" is one key."""
        self._build_wanted = False
        self._building = False
        self._focus_wanted = False
        """Put the focus in the first field once the build under way is mounted."""

    def compose(self) -> ComposeResult:
        yield Static("", id="sidebar-title")
        yield Vertical(id="sidebar-body")

    def on_mount(self) -> None:
        self.notebook.subscribe(self._notebook_changed)
        self._build()

    def on_unmount(self) -> None:
        self.notebook.unsubscribe(self._notebook_changed)

    def _notebook_changed(self, _notebook: Notebook) -> None:
        # Called from whichever thread edited the notebook (a run's worker thread included);
        # post_message is thread-safe and NotebookChanged coalesces bursts (streamed output).
        self.post_message(NotebookChanged())

    @on(NotebookChanged)
    def _on_notebook_changed(self, event: NotebookChanged) -> None:
        event.stop()
        self.refresh_from_notebook()

    # -- public API --------------------------------------------------------------------------------------

    def set_prompt(self, prompt: Prompt | None) -> None:
        """Show another cell (or none)."""
        if prompt is self.prompt:
            return
        self.prompt = prompt
        if self.is_mounted:
            self._build()

    def refresh_from_notebook(self) -> None:
        """Re-read the document (after an edit made elsewhere: undo, reload, model change)."""
        if not self.is_mounted:
            return
        if self.prompt is not None and not self._in_notebook(self.prompt):
            self.prompt = None  # deleted (or the document was reloaded): nothing to show
            self._build()
            return
        if self.prompt is None:
            return
        parser = self.notebook.parser_for(self.prompt)
        if (parser.id if parser else None) != self._parser_id:
            self._build()  # another model: another schema, another form
            return
        self._update_title()
        for form in self.query(SettingsForm):
            form.sync()
        for editor in self.query(ParamsEditor):
            editor.sync()
        for preview in self.query(ResolvedPreview):
            preview.update()

    # -- building ------------------------------------------------------------------------------------------

    def _in_notebook(self, prompt: Prompt) -> bool:
        try:
            self.notebook.index_of(prompt)
        except KeyError:
            return False
        return True

    def _update_title(self) -> None:
        title = self.query_one("#sidebar-title", Static)
        if self.prompt is None:
            title.update("No cell selected")
            return
        model = self.notebook.model_name(self.prompt) or "no model"
        title.update(plain(f"{self.prompt.name} · {model}"))

    def _build(self) -> None:
        """Show ``self.prompt`` in new tabs. One build at a time: a request made while the last build is still
        mounting (j held down with the sidebar open) waits for it, and several such requests make one build, of
        the cell asked for last. Two builds overlapping removed tabs Textual was still mounting (ValueError)."""
        self._update_title()
        self._build_wanted = True
        if not self._building:
            self._building = True
            self.call_later(self._run_builds)

    async def _run_builds(self) -> None:
        try:
            while self._build_wanted and self.is_mounted:
                self._build_wanted = False
                await self._build_now()
        finally:
            self._building = False
        if self._focus_wanted and self.is_mounted:
            self.call_after_refresh(self.focus_first_field)

    async def _build_now(self) -> None:
        body = self.query_one("#sidebar-body", Vertical)
        for tabs in self.query(TabbedContent):
            self._tab = tabs.active or self._tab  # the user may have clicked another tab
        await body.remove_children()
        self._update_title()
        if self.prompt is None:
            self._parser_id = None
            await body.mount(Static("Select a cell to see its settings, parameters and resolved prompt.",
                                    id="sidebar-empty"))
            return
        parser = self.notebook.parser_for(self.prompt)
        self._parser_id = parser.id if parser else None
        tabs = TabbedContent(initial=self._tab)
        # compose_add_child is what `with TabbedContent():` does; the panes are built here, not in
        # compose, because the sidebar rebuilds them whenever it shows another cell or model.
        # disabled= propagates to every editor inside; the tabs and the preview stay usable.
        form = SettingsForm(self.notebook, self.prompt, disabled=self.read_only)
        params = ParamsEditor(self.notebook, self.prompt, disabled=self.read_only)
        for pane in (
            TabPane("Settings", FieldColumn(form), id="tab-settings"),
            TabPane("Parameters", FieldColumn(params), id="tab-params"),
            TabPane("Prompt", VerticalScroll(ResolvedPreview(self.notebook, self.prompt)), id="tab-resolved"),
        ):
            tabs.compose_add_child(pane)
        await body.mount(tabs)

    # -- keyboard --------------------------------------------------------------------------------------------

    def focus_first_field(self) -> None:
        """Focus the first field of the tab shown (its tab bar when it has none: read-only, the prompt tab).
        While the tabs are being built this waits for them."""
        if not self.is_mounted or self._building or self._build_wanted:
            self._focus_wanted = True  # on_mount builds the tabs, and then focuses
            return
        self._focus_wanted = False
        focused = self.app.focused
        if not self.display or not (focused is None or focused is self or self in focused.ancestors):
            self.can_focus = False
            return  # closed, or the user went elsewhere (escape) while the tabs were built
        target = self._first_field()
        if target is not None:
            focus_now(target, scroll_visible=False)  # it is at the top: the form shows from its first line
            self.can_focus = False

    def hold_focus(self) -> None:
        """Take the focus now (``s`` was pressed) and pass it to the first field when there is one."""
        if not self.display:
            return
        self.can_focus = True
        focus_now(self)
        self.focus_first_field()

    def on_focus(self, _event: events.Focus) -> None:
        if self.app.focused is self:
            self.focus_first_field()  # never a focus stop of its own

    def _first_field(self) -> Widget | None:
        fields = self._fields()
        inside = [w for w in fields if not any(isinstance(n, Tabs) for n in (w, *w.ancestors))]
        editors = [w for w in inside if isinstance(w, (Input, TextArea, Select, Switch))]
        return (editors or inside or fields or [None])[0]

    def _fields(self) -> list[Widget]:
        return [w for w in self.screen.focus_chain if self in w.ancestors]

    def action_leave(self) -> None:
        self._focus_wanted = False
        self.can_focus = False
        leave = getattr(self.app, "focus_notebook", None)
        if leave is not None:
            leave()

    def action_field(self, step: int) -> None:
        fields = self._fields()
        focused = self.app.focused
        if not fields:
            return
        index = fields.index(focused) if focused in fields else -step
        focus_now(fields[(index + step) % len(fields)])

    def action_tab(self, step: int) -> None:
        for tabs in self.query(TabbedContent):
            current = tabs.active or self._tab
            index = TAB_IDS.index(current) if current in TAB_IDS else 0
            self._tab = TAB_IDS[(index + step) % len(TAB_IDS)]
            tabs.active = self._tab
            if self.app.focused is not None and self in self.app.focused.ancestors:
                self.call_after_refresh(self.focus_first_field)  # the field left behind is hidden now

    def show_tab(self, tab: str) -> None:
        """Switch to ``"settings"``, ``"params"`` or ``"resolved"`` (kept when the sidebar shows
        another cell). Safe to call right after mounting: the tabs may not exist yet."""
        self._tab = f"tab-{tab}"
        self._apply_tab()

    def _apply_tab(self, attempts: int = 20) -> None:
        for tabs in self.query(TabbedContent):
            # An empty `active` means the tabs are not composed yet; setting it now would be
            # overwritten by their initial tab, so try again after the next refresh.
            if tabs.active and tabs.active != self._tab:
                try:
                    tabs.active = self._tab
                    continue
                except ValueError:
                    pass
            if not tabs.active and attempts:
                self.call_after_refresh(self._apply_tab, attempts - 1)
