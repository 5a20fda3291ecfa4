"""What the engine needs from the document it runs: a narrow protocol, so the engine never knows ``Notebook``.

The store owns the document and its lock. The engine asks it for the cells (by name or in order), for a cell's
dependencies, for a run's inputs computed from one consistent snapshot (``prepare``), and hands a successful
run's outputs back (``replace_outputs``). Every method is called from the run's thread and takes the store's
lock itself; none of them is called with the engine's own lock held.

:func:`prepare_request` is the one way to build a run's inputs from an ``AIConfig``; a store calls it under its
lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Protocol

if TYPE_CHECKING:
    from ..document.models import AIConfig, Output, Prompt
    from ..parser_api import RunOptions, RunRequest
    from ..registry import ParserRegistry


class DocumentStore(Protocol):
    def find(self, name: str) -> "Prompt | None":
        """The cell named ``name`` (None: there is none)."""

    def prompts(self) -> "list[Prompt]":
        """The cells in order (a new list; the cells are the document's own objects)."""

    def contains(self, prompt: "Prompt") -> bool:
        """Whether this very cell is still in the document (it may have been deleted while it waited)."""

    def dependencies(self, prompt: "Prompt") -> "list[Prompt]":
        """The cells ``prompt`` reads outputs of, in the order they must run."""

    def parsers(self) -> list[Any]:
        """The parser of every cell that has a model (to start the local model process ahead of a run)."""

    def prepare(self, prompt: "Prompt", params: Mapping[str, Any] | None, options: "RunOptions",
                gate: Any) -> "tuple[Any, RunRequest]":
        """The parser and everything it needs for one run of ``prompt``, from one consistent snapshot.
        Raises NotRunnable (deleted cell, no model, unknown parser) or ParserError (the prompt does not resolve)."""

    def replace_outputs(self, prompt: "Prompt", outputs: "list[Output]") -> None:
        """A successful run's outputs take the place of the cell's previous ones (dropped if it was deleted)."""


def prepare_request(doc: "AIConfig", prompt: "Prompt", registry: "ParserRegistry", params: Mapping[str, Any] | None,
                    options: "RunOptions", gate: Any, *, folder: Path,
                    path: Path | None) -> "tuple[Any, RunRequest]":
    """Build a run's parser and request from ``doc``; the caller holds the document's lock."""
    from ..document.models import Attachment, PromptInput
    from ..parser_api import NotRunnable, ParserError, RunRequest, UnknownParser
    from ..registry import NoModelError, model_name, model_settings
    from ..resolve import ResolveError, resolve_prompt

    index = next((i for i, p in enumerate(doc.prompts) if p is prompt), None)
    if index is None:
        raise NotRunnable("the cell was deleted")
    try:
        name = model_name(prompt, doc)
    except NoModelError as exc:
        raise NotRunnable(str(exc)) from None
    parser = registry.for_model(name, doc)
    if isinstance(parser, UnknownParser):
        raise NotRunnable(parser.reason)
    text: str | None = None
    if parser.input_kind == "text":
        try:
            text = resolve_prompt(doc, index, params, registry).text
        except ResolveError as exc:
            raise ParserError(f"cannot resolve the prompt: {exc.reason}") from None
    attachments: list[Attachment] = []
    if isinstance(prompt.input, PromptInput) and prompt.input.attachments:
        attachments = [a.model_copy(deep=True) for a in prompt.input.attachments]
    request = RunRequest(
        prompt_name=prompt.name,
        model_name=name,
        prompt_text=text,
        attachments=attachments,
        settings=model_settings(prompt, doc),
        notebook_dir=folder,
        notebook_path=path.resolve() if path else None,
        options=options,
        prompt=prompt.model_copy(deep=True),
        gate=gate,
    )
    return parser, request


def dependency_prompts(doc: "AIConfig", prompt: "Prompt", registry: "ParserRegistry") -> "list[Prompt]":
    """The cells ``prompt`` depends on, in run order; the caller holds the document's lock."""
    from ..resolve import dependencies

    index = next(i for i, p in enumerate(doc.prompts) if p is prompt)
    return [doc.prompts[i] for i in dependencies(doc, index, registry)]


def cell_parsers(doc: "AIConfig", registry: "ParserRegistry") -> list[Any]:
    """The parser of every cell that names a model (directly or through the default); the caller holds the lock."""
    from ..registry import NoModelError, model_name

    found = []
    for prompt in doc.prompts:
        try:
            found.append(registry.for_model(model_name(prompt, doc), doc))
        except NoModelError:
            continue
    return found
