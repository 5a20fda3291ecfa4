"""Which parser runs a prompt: a registry of parsers by id and alias, plus per-notebook ``model_parsers``.

Unlike the SDK's process-wide static registry, each notebook is looked up against its own
``metadata.model_parsers`` aliases, so loading one file never changes how another resolves, and an unknown
parser name never stops a file from opening: the cell gets an :class:`UnknownParser` that explains itself.
"""

from __future__ import annotations

from typing import Iterable

from .document.models import AIConfig, Prompt
from .parser_api import ModelParser, UnknownParser


class NoModelError(Exception):
    """The prompt names no model and the notebook has no default model."""


class ParserRegistry:
    def __init__(self) -> None:
        self._parsers: dict[str, ModelParser] = {}
        self._primary: dict[str, ModelParser] = {}  # id -> parser, for pickers (aliases excluded)

    def register(self, parser: ModelParser, names: Iterable[str] = (), *, replace: bool = True) -> None:
        """Register ``parser`` under its id and every name in ``names`` (the SDK's ``register_model_parser``)."""
        for name in (parser.id, *names):
            if not name:
                continue
            if not replace and name in self._parsers:
                continue
            self._parsers[name] = parser
        if parser.id:
            self._primary[parser.id] = parser

    def remove(self, name: str) -> None:
        parser = self._parsers.pop(name, None)
        if parser is not None and self._primary.get(name) is parser:
            del self._primary[name]

    def get(self, name: str) -> ModelParser | None:
        return self._parsers.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._parsers

    def names(self) -> list[str]:
        return list(self._parsers)

    def items(self) -> list[tuple[str, ModelParser]]:
        return list(self._parsers.items())

    def for_model(self, model_name: str, doc: AIConfig | None = None) -> ModelParser:
        """The parser for ``model_name`` in ``doc``; an :class:`UnknownParser` when there is none."""
        aliases = (doc.metadata.model_parsers or {}) if doc is not None else {}
        if model_name in aliases:
            parser_id = aliases[model_name]
            parser = self._parsers.get(parser_id)
            if parser is None:
                return UnknownParser(
                    parser_id,
                    f"metadata.model_parsers maps {model_name!r} to parser {parser_id!r}, which is not registered "
                    "(register it in model_parsers.py, or pick another model)",
                )
            return parser
        parser = self._parsers.get(model_name)
        if parser is None:
            return UnknownParser(
                model_name,
                f"no parser is registered for model {model_name!r} (pick a task with `m`, map it in "
                "metadata.model_parsers, or register one in model_parsers.py)",
            )
        return parser

    def for_prompt(self, prompt: Prompt, doc: AIConfig) -> ModelParser:
        return self.for_model(model_name(prompt, doc), doc)


def model_name(prompt: Prompt, doc: AIConfig) -> str:
    """The prompt's model name: ``metadata.model`` (string or ``name``), else ``default_model``."""
    meta = prompt.metadata
    if meta is None or not meta.model:
        if not doc.metadata.default_model:
            raise NoModelError(
                f"No model specified in AIConfig metadata, prompt {prompt.name} does not specify a model."
            )
        return doc.metadata.default_model
    if isinstance(meta.model, str):
        return meta.model
    return meta.model.name


def model_settings(prompt: Prompt, doc: AIConfig) -> dict:
    """Global ``metadata.models[name]`` settings with the prompt's own settings on top (SDK semantics)."""
    models = doc.metadata.models or {}
    meta = prompt.metadata
    if meta is None or not meta.model:
        name = doc.metadata.default_model
        return dict(models.get(name, {}) or {}) if name else {}
    if isinstance(meta.model, str):
        return dict(models.get(meta.model, {}) or {})
    return {**(models.get(meta.model.name, {}) or {}), **(meta.model.settings or {})}


_default: ParserRegistry | None = None


def default_registry() -> ParserRegistry:
    """A fresh registry with every built-in parser (cheap: parser modules import nothing heavy)."""
    from . import parsers

    registry = ParserRegistry()
    parsers.register_builtin(registry)
    return registry


def shared_registry() -> ParserRegistry:
    """One process-wide built-in registry, for callers that do not manage their own."""
    global _default
    if _default is None:
        _default = default_registry()
    return _default
