"""The tuinb app: composition and wiring only. Cells and their commands live in ``notebook_view``, runs in
``runs``, file flows in ``flows``, keys in ``keys``, panels and dialogs in their own modules.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal

from ..document import Prompt
from ..notebook import Notebook
from . import keys
from .flows import FileFlows
from .frames import NotebookScreen
from .key_order import KeyGate, KeySettled, focus_now
from .media.actions import MediaActions
from .inert import install as _install_inert_widgets
from .idle_gc import IdleCollector
from .input_priority import USER_INPUT, InputPriority, input_noticing_driver
from .header import NotebookHeader
from .key_hints import KeyHints
from .messages import ConsentNeeded, DocumentChanged, RunEventMessage, RunRefused, StreamFlush
from .notebook_view import NotebookView
from . import text_keys
from .text_keys import is_text_field
from .palette import NotebookCommands
from .runs import RunController


class TuinbApp(MediaActions, FileFlows, App[int], inherit_bindings=False):
    TITLE = "tuinb"
    BINDINGS = [*keys.bindings("app"), *keys.bindings("text"),
                Binding("ctrl+c", "help_quit", show=False, system=True)]
    COMMANDS = App.COMMANDS | {NotebookCommands}
    CSS = """
    #main { height: 1fr; }
    #sidebar { width: 48; dock: right; border-left: solid $panel; }
    /* The focused field of a panel or dialog changes its border's shape, not only its colour: it stays
       unmistakable in a monochrome terminal (NO_COLOR=1). Buttons and the focused tab bar show reversed. */
    CellSidebar Input:focus, CellSidebar TextArea:focus, CellSidebar Switch:focus,
    CellSidebar Select:focus > SelectCurrent, ModalScreen Input:focus, ModalScreen TextArea:focus,
    ModalScreen Switch:focus, ModalScreen Select:focus > SelectCurrent, ModalScreen OptionList:focus {
        border: heavy $border;
    }
    CellSidebar Button:focus, ModalScreen Button:focus, CellSidebar Tabs:focus Tab.-active {
        text-style: bold reverse;
    }
    """

    def __init__(self, notebook: Notebook, *, read_only: bool = False, theme: str | None = None,
                 keymap: dict[str, str] | None = None, autosave_seconds: float | None = None,
                 trust_prompt: Path | None = None, config: Any = None, graphics: str | None = None,
                 defer_markdown: bool = False, typed_ahead: bytes = b"",
                 reset_demo: Any = None, config_problems: list[str] | None = None) -> None:
        super().__init__()
        self._config_problems = list(config_problems or ())  # shown once the notebook is on screen
        self._typed_ahead = typed_ahead  # keys pressed while tuinb started (ui/media/term_probe.py)
        self.defer_markdown = defer_markdown  # text outputs: plain in the first frame (outputs.markdown_class)
        self._resume_gc = not gc.isenabled()  # launched with the collector paused for start-up (ui/launch.py)
        self.markdown_requested = False
        _install_inert_widgets()  # Input / TextArea draw control characters from the file as visible, inert text
        self.notebook = notebook
        self.read_only = read_only
        self.config = config
        self.graphics = graphics
        self._trust_prompt = trust_prompt
        self._reset_demo = reset_demo  # `tuinb demo --reset`: asked on open (flows.offer_demo_reset)
        self._autosave_seconds = autosave_seconds
        self.autosaver = None
        self.input_priority = InputPriority(self.set_timer)
        self.key_gate = KeyGate(self)  # keys typed in a burst reach the widget each was meant for
        self.idle_gc = IdleCollector(lambda: self.input_priority.last_input)
        self.runs = RunController(self, notebook.session, self._run_state_changed, self._run_event_changed)
        self.view = NotebookView(notebook, self.runs, read_only=read_only, id="cells")
        self.header = NotebookHeader(notebook, self.runs.active_count, read_only=read_only)
        self.sidebar = None
        self._register_themes(theme)
        if keymap:
            self.set_keymap(keys.upgrade_keymap(keymap))
        notebook.subscribe(self._notebook_changed)

    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None:
        """Every notification shows model and file text inert (no terminal control sequence gets through)."""
        from ..sanitize import terminal_safe

        kwargs.setdefault("markup", False)  # messages quote model and file text: never parse it as markup
        super().notify(terminal_safe(message), title=terminal_safe(title), **kwargs)

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit (Textual's own message is markup, and notifications here are plain text)."""
        quit_keys = keys.display_keys(keys.effective_keys(keys.BY_ID["quit"], self._keymap))
        self.notify(f"Press {quit_keys} to quit tuinb.", title="Do you want to quit?")

    def _register_themes(self, theme: str | None) -> None:
        try:
            from ..themes import register_themes

            register_themes(self)
        except Exception:  # noqa: BLE001 - themes are optional polish; never a reason not to open
            pass
        if theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self.call_later(self.notify, f"Unknown theme {theme!r}; using {self.theme}.", severity="warning")

    def get_default_screen(self) -> NotebookScreen:
        return NotebookScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield self.header
        with Horizontal(id="main"):
            yield self.view
        yield KeyHints()

    def on_mount(self) -> None:
        self.view.focus()
        self.watch(self.view, "scroll_y", self._fit_header, init=False)
        self._fit_header()
        self.set_interval(0.25, self._tick)
        if self._typed_ahead:
            self.call_after_refresh(self._replay_typed_ahead)
        if self._autosave_seconds and not self.read_only:
            try:
                from ..recovery import Autosaver

                self.autosaver = Autosaver(self.notebook, self._autosave_seconds)
                self.set_interval(self._autosave_seconds, self._autosave)
            except Exception:  # noqa: BLE001
                self.autosaver = None
        if self._trust_prompt is not None:
            self.offer_trust(self._trust_prompt)
        self.offer_recovery()
        if self._reset_demo is not None and not self.read_only:
            self.offer_demo_reset(self._reset_demo)
        self.set_timer(1.0, self._settle)
        for problem in self._config_problems:
            self.notify(problem, title="Config file", severity="warning", timeout=12)

    # -- wiring ------------------------------------------------------------------------------------------------

    def get_driver_class(self) -> type:
        return input_noticing_driver(super().get_driver_class(), lambda app: getattr(app, "input_priority", None))

    async def on_event(self, event: events.Event) -> None:
        if self.key_gate.hold(event):
            return
        user_input = isinstance(event, USER_INPUT)
        if user_input:
            self.input_priority.noticed_input()  # also input that did not come through the driver (tests)
        fresh = not event.is_forwarded
        await super().on_event(event)
        if fresh and event.is_forwarded:  # sent to the focused widget (not taken by a priority binding)
            self.key_gate.routed(event, self.focused or self.screen)
        if user_input:
            # The app has forwarded the event to the focused widget, which handles it before the next frame is
            # painted: held-back redraws may go right after that frame (InputPriority.input_painted).
            self.call_after_refresh(self.input_priority.input_painted)

    def on_resize(self, _event: events.Resize) -> None:
        self._fit_header()

    def _fit_header(self, *_: object) -> None:
        self.header.fit(self.size.height, scrolled=self.view.scroll_y > 0)

    def on_key_settled(self, message: KeySettled) -> None:
        self.key_gate.settled(message)

    def _notebook_changed(self, _notebook: Notebook) -> None:
        # any thread; coalesced in the queue. A worker's change (a run's outputs) may wait while the user types.
        self.post_message(DocumentChanged(background=threading.current_thread() is not threading.main_thread()))

    def on_document_changed(self, message: DocumentChanged) -> None:
        if message.background:
            self.input_priority.draw("document", lambda: self._draw_document(background=True))
        else:
            self._draw_document()

    def _draw_document(self, background: bool = False) -> None:
        self.view.request_sync(background=background)
        self.header.refresh_header()
        if self.sidebar is not None and self.sidebar.display:
            self.sidebar.refresh_from_notebook()

    def on_stream_flush(self, _message: StreamFlush) -> None:
        self.runs.flush_requested()

    def on_run_event_message(self, message: RunEventMessage) -> None:
        self.runs.handle(message.event, message.prompt)

    def on_consent_needed(self, message: ConsentNeeded) -> None:
        self.runs.ask_consent(message)

    def on_run_refused(self, message: RunRefused) -> None:
        self.runs.refused(message.prompt_name, message.reason, message.prompt)

    def _run_state_changed(self, prompt: Prompt | None, background: bool = False) -> None:
        self.view.refresh_prompt(prompt, background=background)
        self.header.refresh_header()

    def _run_event_changed(self, prompt: Prompt | None) -> None:
        self.input_priority.draw(("run", id(prompt)), lambda: self._run_state_changed(prompt, background=True))

    def _tick(self) -> None:
        self.input_priority.draw("tick", self._draw_tick)
        self.idle_gc.tick()

    def _draw_tick(self) -> None:
        if self.runs.active_count():
            self.view.refresh_running()
        self.view.refresh_stale()  # cells moved into view by a layout change, not a scroll

    def _autosave(self) -> None:
        if self.autosaver is None:
            return
        try:
            self.autosaver.tick()
        except NotImplementedError:
            self.autosaver = None
        except OSError as exc:
            self.notify(f"Autosave failed: {exc}", severity="warning")

    def on_current_cell_changed(self, prompt: Prompt | None) -> None:
        if self.sidebar is not None and self.sidebar.display:
            self.sidebar.set_prompt(prompt)

    def focus_notebook(self) -> None:
        focus_now(self.view)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("text_select_all", "text_kill_line"):
            return is_text_field(self.focused)  # otherwise the key goes on to the focused widget
        return True

    def action_text_select_all(self) -> None:
        if is_text_field(self.focused):
            text_keys.select_all(self.focused)

    def action_text_kill_line(self) -> None:
        if is_text_field(self.focused):
            text_keys.kill_line(self.focused)

    def dispatch_key_spec(self, spec: keys.KeySpec) -> None:
        """Run a key-table action by its spec (command palette)."""
        target = self if spec.scope == "app" else self.view
        self.call_later(target.run_action, spec.action)

    # -- panels ----------------------------------------------------------------------------------------------

    def sidebar_open(self) -> bool:
        return self.sidebar is not None and bool(self.sidebar.display)

    async def action_toggle_sidebar(self) -> None:
        """Open the sidebar with the focus in its first field; close it when it is open."""
        if self.sidebar_open():
            self.action_close_sidebar()
            return
        if self.sidebar is None:
            from .sidebar import CellSidebar

            self.sidebar = CellSidebar(self.notebook, self.view.current_prompt(), read_only=self.read_only,
                                       id="sidebar")
            await self.query_one("#main").mount(self.sidebar)
        else:
            self.sidebar.display = True
            self.sidebar.set_prompt(self.view.current_prompt())
            self.sidebar.refresh_from_notebook()
        self.sidebar.hold_focus()  # now: the next key typed goes to the sidebar, then to its first field
        self.refresh_bindings()

    def action_close_sidebar(self) -> None:
        if self.sidebar is not None:
            self.sidebar.display = False
        self.focus_notebook()
        self.refresh_bindings()

    def action_global_params(self) -> None:
        from .params_panel import GlobalParamsScreen

        self.push_screen(GlobalParamsScreen(self.notebook, read_only=self.read_only))

    def action_global_models(self) -> None:
        from .global_models import GlobalModelsScreen

        prompt = self.view.current_prompt()
        current = self.notebook.model_name(prompt) if prompt is not None else None
        self.push_screen(GlobalModelsScreen(self.notebook, read_only=self.read_only, current=current))

    def action_hf_token(self) -> None:
        from .token_dialog import TokenChoice, TokenScreen

        def apply(choice: TokenChoice | None) -> None:
            if choice is None:
                return
            self.notebook.options.hf_token = choice.token  # run options only: never part of the document
            self.notify("Runs use this token from now on (not saved)." if choice.token
                        else "Token cleared: runs use HF_TOKEN or `hf auth login`, if any.")

        self.push_screen(TokenScreen(self.notebook.options.hf_token), apply)

    def action_change_model(self) -> None:
        if self.read_only:
            self.notify("Read-only notebook: cannot change models.", severity="warning")
            return
        prompt = self.view.current_prompt()
        if prompt is None:
            self.notify("No cell here: press b to add one.")
            return
        from .model_picker import ModelPickerScreen

        def apply(model: str | None) -> None:
            index = self.view.index_of(prompt)
            if model and index >= 0:
                self.notebook.set_model(index, model)

        self.push_screen(ModelPickerScreen(self.notebook.registry, self.notebook.model_name(prompt)), apply)

    async def action_rename_notebook(self) -> None:
        if not self.read_only:
            await self.header.edit_name()

    async def action_edit_description(self) -> None:
        if not self.read_only:
            await self.header.edit_description()

    def _replay_typed_ahead(self) -> None:
        """Send the keys typed while tuinb started through the terminal driver, as if they came now."""
        typed, self._typed_ahead = self._typed_ahead, b""
        driver = self._driver
        if not typed or driver is None:
            return
        from textual._xterm_parser import XTermParser  # the parser Textual's own input thread uses

        parser = XTermParser()
        for event in [*parser.feed(typed.decode("utf-8", "replace")), *parser.tick()]:
            driver.process_message(event)

    def _help_screen_name(self) -> str:
        """The help screen, built once and kept installed: showing it again costs no compose or CSS."""
        if not self.is_screen_installed("help"):
            from ..paths import config_file
            from .help_screen import HelpScreen

            self.install_screen(HelpScreen(self._keymap, str(config_file())), "help")
        return "help"

    def _settle(self) -> None:
        """A second after start, with the notebook on screen: get ready for the first key presses (and runs)."""
        self._prepare_help()
        threading.Thread(target=_preload_modules, name="tuinb-preload", daemon=True).start()
        if not self.read_only:
            # Local cells: their process starts and imports torch now, at low priority, not on the first `r`.
            self.run_worker(self.notebook.engine.prepare_local, thread=True, group="prepare-local",
                            exit_on_error=False)
        # Everything loaded so far (Textual, pydantic, the document) lives as long as the app. Freezing it takes
        # it out of the garbage collector's full passes, which otherwise stop the app for 35-60 ms every few
        # seconds of activity (measured with gc.callbacks while keys were pressed) and show up as key lag.
        gc.freeze()
        self.idle_gc.install()
        if self._resume_gc:
            gc.enable()

    def on_unmount(self) -> None:
        self.idle_gc.uninstall()
        if self._resume_gc:
            gc.enable()
        gc.unfreeze()  # the app is gone: what it kept can be collected again (matters in tests and the API)

    def _prepare_help(self) -> None:
        """Build the help screen while the user reads the notebook, so even the first ``?`` shows it at once.
        Uses Textual internals (the first half of push_screen); any failure just leaves it to the first ``?``."""
        try:
            name = self._help_screen_name()
            screen, mounted = self._get_screen(name)  # composes and mounts its widgets, not shown
            self._load_screen_css(screen)
        except Exception:  # noqa: BLE001
            return

        async def lay_out() -> None:
            # Arranged at the terminal's size now, the first show mostly just paints. Shown at size zero, the
            # help was arranged three times in a row around its first frame (on show, on its own resize, for
            # its scroll bar): 4 frames and 40-60 ms of work in-process, against 2 frames and 17-28 ms now.
            # Two passes: the first gives the widgets their sizes, and they ask for a second.
            await mounted
            for _ in range(2):
                if screen.is_current:
                    return
                screen._layout_required = False  # noqa: SLF001 - done here, not on show
                screen._refresh_layout(self.size)  # noqa: SLF001 - draws nothing while another screen is shown
                await asyncio.sleep(0.05)

        self.call_later(lay_out)

    def action_help(self) -> None:
        self.push_screen(self._help_screen_name())


def _preload_modules() -> None:
    """Modules the first answer and the first edit need, imported in a thread while the user reads: on the UI
    thread each import stalled the app mid-run (Markdown with markdown-it and pygments, the TextArea editor)."""
    try:
        from .editor import PromptEditor  # noqa: F401
        from .outputs import preload_markdown

        preload_markdown()
    except Exception:  # noqa: BLE001 - an optimisation only; the UI imports them itself when needed
        pass
