"""The document store a run engine works on, backed by a :class:`~tui_notebook.notebook.Notebook`.

Importing this module imports neither the engine nor a parser: the UI holds it from start-up, and the engine
loads at the first run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from .document import Output, Prompt
    from .notebook import Notebook
    from .parser_api import RunOptions, RunRequest


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
