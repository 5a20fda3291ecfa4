"""``Notebook``: one open AIConfig file — the document, its registry, editing, undo and saving; runs go through
its :class:`~tui_notebook.session.Session` (``notebook.session``).

This is the Python API (``Notebook.load(path).run_sync("cell")``) and the object the TUI observes: every
edit goes through a method here, bumps ``revision`` and notifies listeners; the UI never edits the pydantic
models directly and never touches the file itself.
"""

from __future__ import annotations

import copy
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .document import (
    AIConfig,
    LoadResult,
    ModelMetadata,
    Output,
    Problem,
    Prompt,
    PromptInput,
    PromptMetadata,
    atomic_write_text,
    dumps,
    is_yaml_path,
    load_path,
    new_config,
)
from .history import Checkpoint, History
from .parser_api import RunOptions
from .registry import ParserRegistry, default_registry, model_name
from .resolve import Resolution, prompt_index, resolve_prompt

if TYPE_CHECKING:
    from .session import Session

Listener = Callable[["Notebook"], None]


class ExternalChangeError(Exception):
    """The file changed on disk since it was opened or last saved; saving would overwrite someone's work."""


class EditError(ValueError):
    """An edit that would break the notebook (e.g. a duplicate cell name)."""


class RunFailedError(Exception):
    """A run failed or was cancelled. ``outputs`` are the cell's outputs, kept as they were; ``error`` is what
    went wrong (None for a cancel or a cell that was not run)."""

    def __init__(self, prompt_name: str, message: str, outputs: list[Output], error: Output | None = None):
        super().__init__(f"{prompt_name}: {message}")
        self.prompt_name = prompt_name
        self.message = message
        self.outputs = outputs
        self.error = error


@dataclass(frozen=True)
class DiskState:
    mtime_ns: int
    size: int
    sha256: str
    ctime_ns: int = 0  # changes on every write, rename or utime, and no tool can set it back
    ino: int = 0


def _disk_state(path: Path) -> DiskState | None:
    try:
        st = path.stat()
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return DiskState(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest(), st.st_ctime_ns, st.st_ino)


_ABSENT = object()


def _set_key(settings: dict[str, Any], key: str, value: Any) -> bool:
    """Set ``settings[key]`` (``None``: remove it); False when that changes nothing."""
    if value is None:
        return settings.pop(key, _ABSENT) is not _ABSENT
    old = settings.get(key, _ABSENT)
    if old == value and type(old) is type(value):  # 1 == 1.0 == True: the file must keep what was typed
        return False
    settings[key] = value
    return True


class Notebook:
    def __init__(
        self,
        doc: AIConfig,
        path: str | os.PathLike[str] | None = None,
        *,
        warnings: list[Problem] | None = None,
        registry: ParserRegistry | None = None,
        options: RunOptions | None = None,
    ) -> None:
        self.doc = doc
        self.path = Path(path) if path is not None else None
        self.warnings = list(warnings or [])
        self.registry = registry or default_registry()
        self.options = options or RunOptions()
        self.lock = threading.RLock()
        self.revision = 0
        self.saved_revision = 0
        self._listeners: list[Listener] = []
        self._session = None
        self._disk: DiskState | None = _disk_state(self.path) if self.path else None
        self.history = History()
        """Undo / redo of the edits below and of the outputs successful runs write."""

    # -- opening -------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str], **kwargs: Any) -> "Notebook":
        result: LoadResult = load_path(path)
        return cls(result.doc, path, warnings=result.warnings, **kwargs)

    @classmethod
    def new(cls, path: str | os.PathLike[str] | None = None, name: str | None = None, **kwargs: Any) -> "Notebook":
        if name is None:
            name = Path(path).name.split(".")[0] if path else "Untitled notebook"
        nb = cls(new_config(name), path, **kwargs)
        nb._disk = None
        return nb

    @classmethod
    def open(cls, path: str | os.PathLike[str], **kwargs: Any) -> "Notebook":
        """Load ``path``, or start an empty notebook there when it does not exist (written on first save)."""
        if Path(path).exists():
            return cls.load(path, **kwargs)
        return cls.new(path, **kwargs)

    @property
    def folder(self) -> Path:
        return (self.path.resolve().parent if self.path else Path.cwd())

    @property
    def mode(self) -> str:
        return "yaml" if self.path and is_yaml_path(self.path) else "json"

    @property
    def dirty(self) -> bool:
        return self.revision != self.saved_revision

    # -- observing -----------------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self) -> None:
        self.revision += 1
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:  # noqa: BLE001
                pass

    # -- reading -------------------------------------------------------------------------------------------

    def prompt(self, name_or_index: str | int) -> Prompt:
        with self.lock:
            return self.doc.prompts[prompt_index(self.doc, name_or_index)]

    def index_of(self, prompt: Prompt) -> int:
        with self.lock:
            for i, p in enumerate(self.doc.prompts):
                if p is prompt:
                    return i
        raise KeyError("prompt is not in this notebook")

    def names(self) -> list[str]:
        with self.lock:
            return [p.name for p in self.doc.prompts]

    def resolve(self, name_or_index: str | int, params: Mapping[str, Any] | None = None) -> Resolution:
        with self.lock:
            return resolve_prompt(self.doc, name_or_index, params, self.registry)

    def model_name(self, prompt: Prompt) -> str | None:
        with self.lock:
            try:
                return model_name(prompt, self.doc)
            except Exception:  # noqa: BLE001 - no model: shown as such
                return None

    def parser_for(self, prompt: Prompt):  # noqa: ANN201
        name = self.model_name(prompt)
        return self.registry.for_model(name, self.doc) if name else None

    # -- running -------------------------------------------------------------------------------------------

    @property
    def session(self) -> "Session":
        """The notebook's one :class:`~tui_notebook.session.Session` (its engine and run state), made when first
        asked for: the UI, the CLI and this API share it."""
        with self.lock:  # two threads asking first must not make two engines
            if self._session is None:
                from .session import Session

                self._session = Session(self)
            return self._session

    @property
    def engine(self):  # noqa: ANN201
        """The session's run engine (built, and imported, on first use)."""
        return self.session.engine

    def run_sync(self, name: str, params: Mapping[str, Any] | None = None, *,
                 with_dependencies: bool = False) -> list[Output]:
        """Run a cell and return its outputs; raises RunFailedError if the run failed or was cancelled."""
        return self.session.run_sync(name, params, with_dependencies=with_dependencies)

    async def run(self, name: str, params: Mapping[str, Any] | None = None, *,
                  with_dependencies: bool = False) -> list[Output]:
        import asyncio  # only the async API needs it; keeps start-up lean

        return await asyncio.to_thread(self.run_sync, name, params, with_dependencies=with_dependencies)

    def replace_outputs(self, prompt: Prompt, outputs: list[Output]) -> None:
        """A successful run's outputs take the place of the previous ones: one undo step, so ``undo`` brings
        the previous outputs back and ``redo`` applies these again."""
        with self.lock:
            if not any(p is prompt for p in self.doc.prompts):
                return  # deleted while it ran: drop the result rather than resurrect the cell
            self._record(f"run {prompt.name!r}", cells=(prompt,), outputs=True)
            prompt.outputs = list(outputs)
            self._changed()

    # -- saving --------------------------------------------------------------------------------------------

    def to_string(self, mode: str | None = None) -> str:
        with self.lock:
            return dumps(self.doc, mode or self.mode)  # type: ignore[arg-type]

    def changed_on_disk(self) -> bool:
        """True if the file is no longer what we loaded or last saved (another editor, git pull...)."""
        if self.path is None:
            return False
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return self._disk is not None
        if self._disk is None:
            return True
        # mtime and size alone miss a same-size edit by a tool that keeps timestamps (rsync -t, cp -p).
        if (st.st_mtime_ns, st.st_size, st.st_ctime_ns, st.st_ino) == (
                self._disk.mtime_ns, self._disk.size, self._disk.ctime_ns, self._disk.ino):
            return False
        current = _disk_state(self.path)
        return current is None or current.sha256 != self._disk.sha256

    def save(self, path: str | os.PathLike[str] | None = None, *, force: bool = False) -> Path:
        """Write in the SDK's format through the one file writer (atomic for a regular file, through a symlink,
        into a device or FIFO as a stream, ``-`` to stdout). Refuses (ExternalChangeError) if the file changed
        on disk."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this notebook has no file yet: give a path")
        same_file = (self.path is not None and str(target) != "-"
                     and target.resolve() == self.path.resolve())
        if same_file and not force and self.changed_on_disk():
            raise ExternalChangeError(f"{target} changed on disk since it was opened")
        with self.lock:
            mode = self.mode if str(target) == "-" else "yaml" if is_yaml_path(target) else "json"
            text = dumps(self.doc, mode)  # type: ignore[arg-type]
            revision = self.revision
        written = atomic_write_text(target, text)
        if written.streamed:
            return target  # a device, FIFO or stdout: nothing to read back, and not this notebook's file
        self.path = target
        self._disk = _disk_state(target)
        self.saved_revision = revision
        with self.lock:
            if self.revision == revision:  # no edit came in while writing: undo can come back to this state
                self.history.mark_saved()
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:  # noqa: BLE001
                pass
        return target

    def reload(self) -> None:
        """Replace the document with the file's current content (drops unsaved edits)."""
        if self.path is None:
            return
        result = load_path(self.path)
        with self.lock:
            self.doc = result.doc
            self.warnings = result.warnings
            self.history.clear()  # its steps are about the document just dropped
        self._disk = _disk_state(self.path)
        self._changed()
        self.saved_revision = self.revision
        self.history.mark_saved()

    def replace_document(self, doc: AIConfig) -> None:
        """Put ``doc`` in place of the whole document as an unsaved edit (recovered work): the notebook keeps
        its path and what it knows of the file on disk, so saving still detects an external change. The undo
        history is dropped: its steps are about the document replaced."""
        with self.lock:
            self.doc = doc
            self.history.clear()
            self._changed()

    # -- editing (the only way the UI changes the document) -------------------------------------------------

    def undo(self) -> Checkpoint | None:
        """Undo the last edit; the step undone (its ``label`` and ``focus``), None when there is none."""
        return self._history_step(self.history.undo)

    def redo(self) -> Checkpoint | None:
        return self._history_step(self.history.redo)

    def _history_step(self, go: Callable[[AIConfig], Checkpoint | None]) -> Checkpoint | None:
        with self.lock:
            step = go(self.doc)
            if step is not None:
                self._changed()
                if self.history.at_saved:  # back to what the file holds: nothing unsaved
                    self.saved_revision = self.revision
            return step

    def _record(self, label: str, **kwargs: Any) -> None:
        """Checkpoint what the coming edit changes (see ``history``); call it after the no-op checks."""
        self.history.record(self.doc, label, **kwargs)

    def unique_name(self, base: str = "prompt") -> str:
        names = set(self.names())
        n = len(names) + 1
        while f"{base}_{n}" in names:
            n += 1
        return f"{base}_{n}"

    def add_prompt(self, index: int | None = None, *, name: str | None = None, model: str | None = None,
                   input: str | PromptInput = "") -> Prompt:  # noqa: A002
        with self.lock:
            name = name or self.unique_name()
            if name in self.names():
                raise EditError(f"a cell named {name!r} already exists")
            if isinstance(input, str) and model:
                parser = self.registry.for_model(model, self.doc)
                if parser.input_kind == "attachments":
                    input = PromptInput(attachments=[])  # noqa: A001
            metadata = PromptMetadata(model=model, parameters={}) if model else PromptMetadata(parameters={})
            prompt = Prompt(name=name, input=input, metadata=metadata, outputs=[])
            at = len(self.doc.prompts) if index is None else max(0, min(index, len(self.doc.prompts)))
            self._record(f"add cell {name!r}")
            self.doc.prompts.insert(at, prompt)
            self._changed()
            return prompt

    def insert_prompt(self, index: int, prompt: Prompt) -> Prompt:
        """Insert an existing prompt (paste, undo delete); renames it if the name is taken."""
        with self.lock:
            prompt = prompt.model_copy(deep=True)
            if prompt.name in self.names():
                base = prompt.name
                n = 2
                while f"{base}_{n}" in self.names():
                    n += 1
                prompt.name = f"{base}_{n}"
            self._record(f"paste cell {prompt.name!r}")
            self.doc.prompts.insert(max(0, min(index, len(self.doc.prompts))), prompt)
            self._changed()
            return prompt

    def delete_prompt(self, index: int) -> Prompt:
        with self.lock:
            self._record(f"delete cell {self.doc.prompts[index].name!r}", focus=self.doc.prompts[index])
            prompt = self.doc.prompts.pop(index)
            self._changed()
            return prompt

    def move_prompt(self, index: int, delta: int) -> int:
        with self.lock:
            target = max(0, min(index + delta, len(self.doc.prompts) - 1))
            if target != index:
                self._record(f"move cell {self.doc.prompts[index].name!r}", focus=self.doc.prompts[index])
                prompt = self.doc.prompts.pop(index)
                self.doc.prompts.insert(target, prompt)
                self._changed()
            return target

    def rename_prompt(self, index: int, new_name: str) -> None:
        new_name = new_name.strip()
        with self.lock:
            prompt = self.doc.prompts[index]
            if new_name == prompt.name:
                return
            if not new_name:
                raise EditError("a cell name cannot be empty")
            if new_name in self.names():
                raise EditError(f"a cell named {new_name!r} already exists")
            self._record(f"rename cell {prompt.name!r}", cells=(prompt,))
            prompt.name = new_name
            self._changed()

    def set_input_text(self, index: int, text: str) -> None:
        with self.lock:
            prompt = self.doc.prompts[index]
            current = prompt.input.data if isinstance(prompt.input, PromptInput) else prompt.input
            if current == text:
                return
            # One step per stretch of typing in a cell (the editor commits every pause).
            self._record(f"edit the input of {prompt.name!r}", cells=(prompt,), merge_key=("input", id(prompt)))
            if isinstance(prompt.input, PromptInput):
                prompt.input.data = text
            else:
                prompt.input = text
            self._changed()

    def set_input(self, index: int, value: Any) -> None:
        """Replace a cell's whole input: a string, or an object (``attachments``, ``data`` and any other keys, such
        as ``role`` / ``content``). Raises :class:`EditError` saying what is wrong, and changes nothing then."""
        if isinstance(value, str):
            new: str | PromptInput = value
        elif isinstance(value, dict):
            from pydantic import ValidationError

            try:
                new = PromptInput.model_validate(value)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "input"
                raise EditError(f"input.{where}: {first['msg']}") from None
        else:
            raise EditError(f"the input must be a string or an object, not {type(value).__name__}")
        with self.lock:
            prompt = self.doc.prompts[index]
            same = (prompt.input == new) if isinstance(new, str) else (
                isinstance(prompt.input, PromptInput)
                and prompt.input.model_dump(exclude_none=True) == new.model_dump(exclude_none=True))
            if same:
                return
            self._record(f"edit the input of {prompt.name!r}", cells=(prompt,))
            prompt.input = new
            self._changed()

    def attachment_problems(self, index: int, attachments: list) -> list[str]:
        """For each of ``attachments`` whose type this cell's task does not take: why (one line each)."""
        from .media.attachments import type_mismatch

        parser = self.parser_for(self.doc.prompts[index])
        accepts = tuple(getattr(parser, "accepts", ()) or ())
        label = getattr(parser, "label", "") or "this cell's model"
        return [problem for att in attachments if (problem := type_mismatch(att, accepts, label))]

    def set_attachments(self, index: int, attachments: list, *, warn: bool = True) -> None:
        """Store a cell's attachments. Newly added ones whose type the cell's task does not take are stored
        after an :class:`~tui_notebook.media.attachments.AttachmentTypeWarning` (``warn=False``: the caller
        already asked the user)."""
        if warn:
            old = list(getattr(self.doc.prompts[index].input, "attachments", None) or [])
            problems = self.attachment_problems(index, [a for a in attachments if a not in old])
            if problems:
                import warnings

                from .media.attachments import AttachmentTypeWarning

                for problem in problems:
                    warnings.warn(AttachmentTypeWarning(problem), stacklevel=2)
        with self.lock:
            prompt = self.doc.prompts[index]
            self._record(f"change the attachments of {prompt.name!r}", cells=(prompt,))
            if isinstance(prompt.input, PromptInput):
                prompt.input.attachments = list(attachments)
            else:
                prompt.input = PromptInput(attachments=list(attachments), data=prompt.input or None)
            self._changed()

    def set_model(self, index: int, model: str, *, keep_settings: bool = False) -> None:
        """Switch a cell's model. Settings are cleared unless asked (a stale ``settings.model`` would
        silently keep running the old model, a known Gradio Notebook bug, spec §6 item 6)."""
        with self.lock:
            prompt = self.doc.prompts[index]
            self._record(f"change the model of {prompt.name!r}", cells=(prompt,))
            meta = prompt.metadata or PromptMetadata(parameters={})
            old = meta.model
            settings = dict(old.settings or {}) if (keep_settings and isinstance(old, ModelMetadata)) else {}
            meta.model = ModelMetadata(name=model, settings=settings) if settings else model
            prompt.metadata = meta
            parser = self.registry.for_model(model, self.doc)
            if parser.input_kind == "attachments" and isinstance(prompt.input, str):
                prompt.input = PromptInput(attachments=[], data=prompt.input or None)
            self._changed()

    def set_setting(self, index: int, key: str, value: Any) -> None:
        """Set (or with ``value=None`` remove) one prompt-level model setting."""
        with self.lock:
            prompt = self.doc.prompts[index]
            meta = prompt.metadata or PromptMetadata(parameters={})
            current = meta.model
            if current is None:
                current_name = self.doc.metadata.default_model
                if not current_name:
                    raise EditError("the cell has no model; pick one first")
                current = ModelMetadata(name=current_name, settings={})
            elif isinstance(current, str):
                current = ModelMetadata(name=current, settings={})
            settings = dict(current.settings or {})
            if not _set_key(settings, key, value):  # (a new dict: the cell is not changed yet)
                return
            self._record(f"set {key} of {prompt.name!r}", cells=(prompt,), merge_key=("setting", id(prompt), key))
            current.settings = settings
            meta.model = current
            prompt.metadata = meta
            self._changed()

    # -- global model settings (``metadata.models``: every cell of that model inherits them) ---------------------

    def global_models(self) -> dict[str, dict[str, Any]]:
        """A copy of ``metadata.models``: model name -> its global settings, in file order."""
        with self.lock:
            return {name: dict(settings or {}) for name, settings in (self.doc.metadata.models or {}).items()}

    def add_global_model(self, model: str) -> None:
        """Add ``model`` to ``metadata.models`` with no settings yet (the editor's "Add model")."""
        model = model.strip()
        if not model:
            raise EditError("a model needs a name")
        with self.lock:
            models = self.doc.metadata.models
            if models is None:
                models = self.doc.metadata.models = {}
            if model in models:
                raise EditError(f"{model!r} already has global settings")
            self._record(f"add global settings for {model!r}", header=True)
            models[model] = {}
            self._changed()

    def delete_global_model(self, model: str) -> dict[str, Any]:
        """Remove ``model``'s global settings; returns them (cells keep their own settings)."""
        with self.lock:
            models = self.doc.metadata.models or {}
            if model not in models:
                raise KeyError(model)
            self._record(f"delete the global settings of {model!r}", header=True)
            removed = dict(models.pop(model) or {})
            self._changed()
            return removed

    def set_global_setting(self, model: str, key: str, value: Any) -> None:
        """Set (or with ``value=None`` remove) one global setting of ``model``, adding the model if needed."""
        with self.lock:
            current = (self.doc.metadata.models or {}).get(model)
            settings = dict(current or {})
            if not _set_key(settings, key, value) and (current is not None or value is None):
                return
            self._record(f"set {key} of the global settings of {model!r}", header=True,
                         merge_key=("global", model, key))
            if self.doc.metadata.models is None:
                self.doc.metadata.models = {}
            self.doc.metadata.models[model] = settings
            self._changed()

    def set_default_model(self, model: str | None) -> None:
        """``metadata.default_model``: the model of every cell that names none (None: no default)."""
        with self.lock:
            if self.doc.metadata.default_model != model:
                self._record("change the default model", header=True)
                self.doc.metadata.default_model = model
                self._changed()

    def cells_using(self, model: str) -> int:
        """How many cells run ``model`` (by name, the default model included) — what a global edit affects."""
        with self.lock:
            return sum(1 for p in self.doc.prompts if self.model_name(p) == model)

    def set_parameter(self, name: str, value: Any, *, prompt: int | None = None) -> None:
        with self.lock:
            existing = self._params(prompt, create=False) or {}
            if name in existing and existing[name] == value and type(existing[name]) is type(value):
                return
            self._record_params(f"set parameter {name!r}", prompt, merge_key=("param", name))
            self._params(prompt, create=True)[name] = value
            self._changed()

    def delete_parameter(self, name: str, *, prompt: int | None = None) -> None:
        with self.lock:
            params = self._params(prompt, create=False)
            if params is None or name not in params:
                raise KeyError(name)
            self._record_params(f"delete parameter {name!r}", prompt)
            del params[name]
            self._changed()

    def rename_parameter(self, old: str, new: str, *, prompt: int | None = None) -> None:
        with self.lock:
            existing = self._params(prompt, create=False) or {}
            if new in existing and new != old:
                raise EditError(f"parameter {new!r} already exists")
            if new == old or old not in existing:
                return
            self._record_params(f"rename parameter {old!r}", prompt)
            params = self._params(prompt, create=True)
            # Keep the position of the renamed key: parameter order is what the file shows.
            items = [(new if k == old else k, v) for k, v in params.items()]
            params.clear()
            params.update(items)
            self._changed()

    def _record_params(self, label: str, prompt: int | None, merge_key: tuple | None = None) -> None:
        """Checkpoint before a parameter edit: the header for global parameters, else the cell."""
        cell = None if prompt is None else self.doc.prompts[prompt]
        key = None if merge_key is None else (*merge_key, id(cell))
        if cell is None:
            self._record(label, header=True, merge_key=key)
        else:
            self._record(label, cells=(cell,), merge_key=key)

    def _params(self, prompt: int | None, *, create: bool) -> dict | None:
        if prompt is None:
            if self.doc.metadata.parameters is None:
                if not create:
                    return None
                self.doc.metadata.parameters = {}
            return self.doc.metadata.parameters
        p = self.doc.prompts[prompt]
        if p.metadata is None:
            if not create:
                return None
            p.metadata = PromptMetadata(parameters={})
        if p.metadata.parameters is None:
            if not create:
                return None
            p.metadata.parameters = {}
        return p.metadata.parameters

    def set_name(self, name: str) -> None:
        with self.lock:
            if self.doc.name != name:
                self._record("rename the notebook", header=True, merge_key=("name",))
                self.doc.name = name
                self._changed()

    def set_description(self, description: str) -> None:
        with self.lock:
            if self.doc.description != description:
                self._record("edit the description", header=True, merge_key=("description",))
                self.doc.description = description
                self._changed()

    def clear_outputs(self, index: int | None = None) -> None:
        with self.lock:
            targets = self.doc.prompts if index is None else [self.doc.prompts[index]]
            cleared = tuple(p for p in targets if p.outputs)
            if not cleared:
                return
            self._record("clear outputs" if index is None else f"clear the outputs of {cleared[0].name!r}",
                         cells=cleared, outputs=True)
            for p in cleared:
                p.outputs = []
            self._changed()

    def snapshot(self) -> AIConfig:
        with self.lock:
            return copy.deepcopy(self.doc)
