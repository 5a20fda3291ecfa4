"""Undo and redo of the user's edits to a notebook: JupyterLab's ``z`` / ``Z`` for cell actions, and more —
inputs, models, settings, parameters, names, global settings, outputs cleared.

A checkpoint is taken just before an edit and holds what the edit is about to change: the list of cells (the
objects, in order), private copies of the cells it changes in place, and a copy of the notebook's header
(metadata, name, description) when it changes that. Undo writes that state back *into the live objects*, so
cells keep their identity (the widgets showing them and the runs writing to them stay attached), and keeps the
state it replaced as the redo step. That is sound because steps are undone and redone strictly in stack order:
when a checkpoint is restored, every later edit has been undone, so the cells it did not copy are as they were.

A successful run's outputs are a step of their own (recorded with ``outputs``): undoing it brings back the
outputs the cell had before. Restoring a cell for any other step keeps the outputs it has now, so undoing an
edit never takes a run's results away. Copies are cheap: ``deepcopy`` shares strings, so a cell's megabytes of base64 are not copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable

from .document import AIConfig, ConfigMetadata, Prompt

LIMIT = 200
"""Undo steps kept; the oldest go first."""


@dataclass
class Checkpoint:
    label: str
    """What the edit was ("delete cell 'summary'"), for the undo / redo message."""
    prompts: list[Prompt]
    """The cell list as it was, by object."""
    cells: list[tuple[Prompt, Prompt]] = field(default_factory=list)
    """(live cell, private copy of its state) for the cells the edit changed in place."""
    header: tuple[ConfigMetadata, str, str | None] | None = None
    """A copy of the metadata, and the name and description, when the edit changed them."""
    outputs: bool = False
    """Restore the cells' outputs too (the edit cleared or replaced them); otherwise the outputs stay as they are."""
    focus: Prompt | None = None
    """The cell to show after undoing or redoing this step."""
    merge_key: Hashable | None = None
    """Consecutive edits with the same key are one step (typing in one field)."""


def _copy(model):  # noqa: ANN001, ANN202 - a pydantic model
    return model.model_copy(deep=True)


def _restore_into(live, saved) -> None:  # noqa: ANN001 - pydantic models of one class
    """Give ``live`` the state of ``saved`` (a private copy, not used again), keeping ``live``'s identity."""
    live.__dict__.clear()
    live.__dict__.update(saved.__dict__)
    object.__setattr__(live, "__pydantic_fields_set__", set(saved.__pydantic_fields_set__))
    object.__setattr__(live, "__pydantic_extra__", saved.__pydantic_extra__)
    object.__setattr__(live, "__pydantic_private__", saved.__pydantic_private__)


class History:
    """The undo and redo stacks of one notebook. ``Notebook`` records before each edit, under its lock."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.undo_steps: list[Checkpoint] = []
        self.redo_steps: list[Checkpoint] = []
        self._sealed = False
        """After an undo or redo, the next edit starts a new step even if it would merge."""
        self._saved: int | None = 0
        """How many undo steps the saved (or loaded) state had; None when no undo or redo reaches it any more."""

    def record(self, doc: AIConfig, label: str, *, cells: tuple[Prompt, ...] = (), header: bool = False,
               outputs: bool = False, focus: Prompt | None = None, merge_key: Hashable | None = None) -> None:
        """Take a checkpoint of what the coming edit changes."""
        if self._saved is not None and self._saved > len(self.undo_steps):
            self._saved = None  # the saved state was among the steps undone, and this edit drops them
        self.redo_steps.clear()  # a new edit: what was undone is no longer a way forward
        top = self.undo_steps[-1] if self.undo_steps else None
        if merge_key is not None and not self._sealed and top is not None and top.merge_key == merge_key:
            if self._saved == len(self.undo_steps):
                self._saved = None  # the step changes past the saved state: undo goes back before it
            return  # the step already holds the state from before the first of these edits
        self._sealed = False
        self.undo_steps.append(Checkpoint(
            label, list(doc.prompts), [(cell, _copy(cell)) for cell in cells],
            (_copy(doc.metadata), doc.name, doc.description) if header else None,
            outputs, focus if focus is not None else (cells[0] if cells else None), merge_key))
        dropped = max(0, len(self.undo_steps) - self.limit)
        del self.undo_steps[:-self.limit]
        if self._saved is not None:
            self._saved = self._saved - dropped if self._saved >= dropped else None

    def clear(self) -> None:
        """Forget every step (the document was replaced): the saved state is no longer reachable."""
        self.undo_steps.clear()
        self.redo_steps.clear()
        self._saved = None

    def mark_saved(self) -> None:
        """The document as it is now is what the file holds; the next edit starts a step of its own."""
        self._saved = len(self.undo_steps)
        self._sealed = True

    @property
    def at_saved(self) -> bool:
        """Undo and redo have brought the document back to the state last saved or loaded."""
        return self._saved == len(self.undo_steps)

    def undo(self, doc: AIConfig) -> Checkpoint | None:
        """Go back one step; the step undone (None: nothing to undo)."""
        return self._step(doc, self.undo_steps, self.redo_steps)

    def redo(self, doc: AIConfig) -> Checkpoint | None:
        return self._step(doc, self.redo_steps, self.undo_steps)

    def _step(self, doc: AIConfig, source: list[Checkpoint], target: list[Checkpoint]) -> Checkpoint | None:
        if not source:
            return None
        step = source.pop()
        target.append(Checkpoint(  # the state this step replaces, to come back to
            step.label, list(doc.prompts), [(live, _copy(live)) for live, _ in step.cells],
            (_copy(doc.metadata), doc.name, doc.description) if step.header else None,
            step.outputs, step.focus))
        doc.prompts[:] = step.prompts
        for live, saved in step.cells:
            outputs = live.outputs
            _restore_into(live, saved)
            if not step.outputs:
                live.outputs = outputs
        if step.header is not None:
            metadata, name, description = step.header
            _restore_into(doc.metadata, metadata)
            doc.name, doc.description = name, description
        self._sealed = True
        return step
