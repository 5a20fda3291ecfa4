"""``Session``: one open notebook with its run engine and the run state of its cells — the object the UI, the
CLI and the Python API hold.

Data flows one way: the notebook's document → the engine (through :class:`NotebookStore`, the engine's narrow
view of it) → a parser → outputs → back into the document. Observers subscribe once, to the session, and hear
both kinds of change: :class:`DocumentChanged` after every edit or save, and :class:`CellEvent` for every run
event, with the cell it belongs to (looked up by the run's id while it runs, so a renamed cell keeps its events).
Listeners are called from whatever thread made the change: a UI posts them to its own thread.

Importing this module imports neither the engine nor a parser: the UI holds a session from start-up, and the
engine is built (and imported) when something first needs it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Union

from .run_state import RunStates

if TYPE_CHECKING:
    from .consent import ConsentItem
    from .document import Output, Prompt
    from .engine import Engine, RunEvent, RunOutcome
    from .engine.plan import RunPlan
    from .notebook import Notebook
    from .parser_api import RunOptions, RunRequest


@dataclass(frozen=True)
class DocumentChanged:
    """The notebook changed (an edit, a run's outputs, a reload, a save): ``revision`` is its revision now."""

    revision: int


@dataclass(frozen=True)
class CellEvent:
    """A run event and the cell its run belongs to (None: the run had ended when the event was looked up)."""

    prompt: "Prompt | None"
    event: "RunEvent"


SessionEvent = Union[DocumentChanged, CellEvent]
Listener = Callable[[SessionEvent], None]


class Session:
    def __init__(self, notebook: "Notebook") -> None:
        self.notebook = notebook
        self.store = NotebookStore(notebook)
        """The engine's view of the notebook; also the session's read methods (each takes the notebook's lock)."""
        self.runs = RunStates()
        """What each cell's runs look like (the UI applies run events to it on its own thread)."""
        self._engine: "Engine | None" = None
        self._engine_watchers: list[Callable[["Engine"], None]] = []
        self._engine_lock = threading.RLock()  # a watcher may ask for the engine
        self._listeners: list[Listener] = []
        notebook.subscribe(self._document_changed)

    # -- observing -----------------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every :class:`DocumentChanged` and :class:`CellEvent` (from any thread).
        Subscribing does not build the engine: run events reach the listener once it exists."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _tell(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - an observer bug must not stop an edit or a run
                pass

    def _document_changed(self, notebook: "Notebook") -> None:
        self._tell(DocumentChanged(notebook.revision))

    def _run_event(self, event: "RunEvent") -> None:
        """From the run's thread, while its run is still on: the cell is found by the run's id."""
        engine = self._engine
        self._tell(CellEvent(engine.prompt_of(event.run_id) if engine is not None else None, event))

    # -- the engine ----------------------------------------------------------------------------------------

    @property
    def engine(self) -> "Engine":
        with self._engine_lock:  # two threads asking first must not make two engines
            if self._engine is None:
                from .engine import Engine

                engine = Engine(self.store, self.notebook.options)
                engine.subscribe(self._run_event)
                self._engine = engine
                for watcher in self._engine_watchers:
                    watcher(engine)
                self._engine_watchers.clear()
            return self._engine

    def when_engine_ready(self, callback: Callable[["Engine"], None]) -> None:
        """Call ``callback(engine)`` once the run engine exists: now if it does, else when something first needs
        it (opening a notebook does not import the engine)."""
        with self._engine_lock:
            if self._engine is None:
                self._engine_watchers.append(callback)
                return
        callback(self._engine)

    # -- reading (under the notebook's lock) ----------------------------------------------------------------

    def prompts(self) -> "list[Prompt]":
        """The cells in order (a new list)."""
        return self.store.prompts()

    def find(self, name: str) -> "Prompt | None":
        """The cell named ``name`` (with duplicates, the last, as a run by name picks it)."""
        return self.store.find(name)

    def contains(self, prompt: "Prompt") -> bool:
        """Whether this very cell is still in the notebook."""
        return self.store.contains(prompt)

    # -- running ---------------------------------------------------------------------------------------------

    def run(self, name: str, params: Mapping[str, Any] | None = None, *, with_dependencies: bool = False,
            consent: Iterable["ConsentItem"] = ()) -> "RunOutcome":
        """Run a cell in the calling thread (blocking); see :meth:`Engine.run`."""
        return self.engine.run(name, params, with_dependencies=with_dependencies, consent=consent)

    def run_sync(self, name: str, params: Mapping[str, Any] | None = None, *,
                 with_dependencies: bool = False) -> "list[Output]":
        """Run a cell and return its outputs; raises RunFailedError if the run failed or was cancelled."""
        from .notebook import RunFailedError

        outcome = self.run(name, params, with_dependencies=with_dependencies)
        if not outcome.ok:
            raise RunFailedError(name, outcome.message, outcome.outputs, outcome.error)
        return outcome.outputs

    def run_all(self, plan: "RunPlan | None" = None, params: Mapping[str, Any] | None = None, *,
                consent: Iterable["ConsentItem"] = ()) -> "list[RunOutcome]":
        """Run the cells of ``plan`` (default: all of them) in order, blocking; see :meth:`Engine.run_all`."""
        return self.engine.run_all(params, plan=plan, consent=consent)

    def is_running(self, prompt: "Prompt") -> bool:
        return self._engine is not None and self._engine.is_running(prompt)

    def cancel(self, prompt: "Prompt") -> bool:
        return self._engine is not None and self._engine.cancel(prompt)

    def cancel_all(self) -> int:
        return self._engine.cancel_all() if self._engine is not None else 0

    def shutdown(self) -> None:
        if self._engine is not None:
            self._engine.shutdown()


class NotebookStore:
    """:class:`~tui_notebook.engine.store.DocumentStore` over a notebook: every read under its lock, and a run's
    outputs written through :meth:`Notebook.replace_outputs` (one undo step)."""

    def __init__(self, notebook: "Notebook") -> None:
        self.notebook = notebook

    def find(self, name: str) -> "Prompt | None":
        from .resolve import ResolveError, prompt_index

        with self.notebook.lock:
            try:  # with duplicate names, the last one (the SDK's rule)
                return self.notebook.doc.prompts[prompt_index(self.notebook.doc, name)]
            except ResolveError:
                return None

    def prompts(self) -> "list[Prompt]":
        with self.notebook.lock:
            return list(self.notebook.doc.prompts)

    def contains(self, prompt: "Prompt") -> bool:
        with self.notebook.lock:
            return any(p is prompt for p in self.notebook.doc.prompts)

    def dependencies(self, prompt: "Prompt") -> "list[Prompt]":
        from .engine.store import dependency_prompts

        nb = self.notebook
        with nb.lock:
            return dependency_prompts(nb.doc, prompt, nb.registry)

    def parsers(self) -> list[Any]:
        from .engine.store import cell_parsers

        nb = self.notebook
        with nb.lock:
            return cell_parsers(nb.doc, nb.registry)

    def prepare(self, prompt: "Prompt", params: Mapping[str, Any] | None, options: "RunOptions",
                gate: Any) -> "tuple[Any, RunRequest]":
        from .engine.store import prepare_request

        nb = self.notebook
        with nb.lock:
            return prepare_request(nb.doc, prompt, nb.registry, params, options, gate, folder=nb.folder,
                                   path=nb.path)

    def replace_outputs(self, prompt: "Prompt", outputs: "list[Output]") -> None:
        self.notebook.replace_outputs(prompt, outputs)
