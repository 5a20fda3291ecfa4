"""Whose model settings a settings form edits: one cell's, or a model's global settings (``metadata.models``).

The form itself (``settings_form.SettingsForm``) is the same for both; a target says which parser's schema
builds it, which values are the target's own (written), which are inherited and only shown (a cell inherits its
model's global settings; global settings inherit nothing but the schema defaults), and how an edit is written.
Every read takes the notebook's lock: a run's worker thread may be writing outputs at the same time.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..document import ModelMetadata, Prompt
from ..notebook import Notebook
from ..parser_api import ModelParser
from ..registry import model_settings


def prompt_settings(prompt: Prompt) -> dict[str, Any]:
    """The settings stored on the prompt itself (what ``set_setting`` edits)."""
    model = prompt.metadata.model if prompt.metadata else None
    if isinstance(model, ModelMetadata):
        return dict(model.settings or {})
    return {}


class SettingsTarget(Protocol):
    notebook: Notebook
    inherited_label: str
    """How an inherited value is labelled in an empty field ("global: 0.3")."""
    missing_text: str
    """Shown instead of a form when there is no model to edit settings for."""

    def model(self) -> str | None: ...
    def parser(self) -> ModelParser | None: ...
    def own(self) -> dict[str, Any]: ...
    def inherited(self) -> dict[str, Any]: ...
    def effective(self) -> dict[str, Any]: ...
    def exists(self) -> bool: ...
    def write(self, key: str, value: Any) -> None: ...


class CellSettings:
    """A cell's own settings (``metadata.model.settings``), on top of its model's global settings."""

    inherited_label = "global"
    missing_text = "This cell has no model; pick one (m) to edit its settings."

    def __init__(self, notebook: Notebook, prompt: Prompt) -> None:
        self.notebook = notebook
        self.prompt = prompt
        """Found by identity, so moving cells is harmless."""

    def model(self) -> str | None:
        return self.notebook.model_name(self.prompt)

    def parser(self) -> ModelParser | None:
        return self.notebook.parser_for(self.prompt)

    def own(self) -> dict[str, Any]:
        with self.notebook.lock:
            return prompt_settings(self.prompt)

    def inherited(self) -> dict[str, Any]:
        model = self.model()
        return self.notebook.global_models().get(model, {}) if model else {}

    def effective(self) -> dict[str, Any]:
        with self.notebook.lock:
            return model_settings(self.prompt, self.notebook.doc)

    def exists(self) -> bool:
        try:
            self.notebook.index_of(self.prompt)
        except KeyError:
            return False  # deleted; the sidebar moves on
        return True

    def write(self, key: str, value: Any) -> None:
        try:
            index = self.notebook.index_of(self.prompt)
        except KeyError:
            return
        self.notebook.set_setting(index, key, value)


class GlobalModelSettings:
    """One entry of ``metadata.models``: settings every cell of that model gets unless it sets its own."""

    inherited_label = ""
    missing_text = "No model selected."

    def __init__(self, notebook: Notebook, model_name: str) -> None:
        self.notebook = notebook
        self.model_name = model_name

    def model(self) -> str | None:
        return self.model_name

    def parser(self) -> ModelParser | None:
        with self.notebook.lock:
            return self.notebook.registry.for_model(self.model_name, self.notebook.doc)

    def own(self) -> dict[str, Any]:
        return self.notebook.global_models().get(self.model_name, {})

    def inherited(self) -> dict[str, Any]:
        return {}

    def effective(self) -> dict[str, Any]:
        return self.own()

    def exists(self) -> bool:
        return self.model_name in self.notebook.global_models()

    def write(self, key: str, value: Any) -> None:
        if self.exists():  # a form still open on a deleted entry must not bring it back
            self.notebook.set_global_setting(self.model_name, key, value)
