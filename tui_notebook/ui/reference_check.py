"""Which references of the cells on screen insert nothing, and the question asked before such a cell is sent.

The view asks for a check after the document changed (debounced, and not while keys arrive); the check runs in
a worker thread over the cells the column has built (it is windowed), and its result comes back as a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

from textual.message import Message

from ..parser_api import text_template
from ..resolve import ReferenceProblem, ReferenceReport, ResolveError, check_references
from ..sanitize import terminal_safe
from ..templates import compile_ahead

if TYPE_CHECKING:
    from ..document import Prompt
    from ..notebook import Notebook

CellReferences = tuple[frozenset[str], tuple[str, ...]]
"""(inner text of the empty tags, warning lines) for one cell."""


class ReferencesChecked(Message):
    def __init__(self, results: dict[int, CellReferences]) -> None:
        super().__init__()
        self.results = results  # id(prompt) -> what its cell shows


def check_cells(notebook: "Notebook", prompts: Iterable["Prompt"]) -> dict[int, CellReferences]:
    """The empty references of ``prompts`` (cells of ``notebook``), ready to draw."""
    prompts = list(prompts)
    for prompt in prompts:
        # Full handlebars templates compile outside the document's lock (the first one imports pybars).
        template = text_template(prompt)
        if template and "{{" in template:
            compile_ahead(template)
    results: dict[int, CellReferences] = {}
    with notebook.lock:
        for prompt, report in _reports(notebook, prompts):
            lines = [terminal_safe(str(p)) for p in report.problems]
            if report.error:
                lines.append(terminal_safe(report.error))
            results[id(prompt)] = (frozenset(report.tags()), tuple(lines))
    return results


def problems_before_run(notebook: "Notebook", prompts: list["Prompt"], *, runs_first: set[int] | None = None,
                        in_order: bool = False) -> list[tuple["Prompt", list[ReferenceProblem]]]:
    """The empty references a run of ``prompts`` would send, per cell. An earlier cell that runs first in the
    same command (``runs_first``: ids; ``in_order``: every earlier one of ``prompts``) has an output by then.
    A cell whose template cannot render sends nothing (its run fails with that error), so it is not listed."""
    found: list[tuple["Prompt", list[ReferenceProblem]]] = []
    with notebook.lock:
        first = {p.name for p in notebook.doc.prompts if id(p) in (runs_first or set())}
        for prompt, report in _reports(notebook, prompts):
            if report.error is not None:
                continue  # the run stops at the template error before sending: nothing to ask about
            problems = [p for p in report.problems if not (p.kind == "no-output" and p.cell in first)]
            if problems:
                found.append((prompt, problems))
            if in_order:
                first.add(prompt.name)
    return found


def _reports(notebook: "Notebook", prompts: Iterable["Prompt"]) -> Iterator[tuple["Prompt", ReferenceReport]]:
    """Each of ``prompts`` still in the notebook with its reference report (the caller holds the lock); a cell whose
    references cannot be checked is left out."""
    doc = notebook.doc
    where = {id(p): i for i, p in enumerate(doc.prompts)}
    for prompt in prompts:
        index = where.get(id(prompt))
        if index is None:
            continue
        try:
            yield prompt, check_references(doc, index, None, notebook.registry)
        except ResolveError:
            continue


def question(found: list[tuple["Prompt", list[ReferenceProblem]]]) -> tuple[str, str]:
    """The confirmation's title and text (plain, from the notebook: show it with safe_text.plain)."""
    count = sum(len(problems) for _, problems in found)
    drops = any(p.kind == "unclosed" for _, problems in found for p in problems)
    noun = "template problem" if drops else "empty reference"
    title = f"Send with {count} {noun}{'s' if count != 1 else ''}?"
    lines = []
    for prompt, problems in found:
        lines += [f"{prompt.name}: {p}" if len(found) > 1 else str(p) for p in problems]
    shown = lines[:8] + ([f"… and {len(lines) - 8} more"] if len(lines) > 8 else [])
    text = (("These insert empty text or drop text:\n" if drops else "These insert empty text:\n") + "\n".join(shown) +
            "\n\n(confirm_empty_references = false in config.toml stops this question)")
    return title, text
