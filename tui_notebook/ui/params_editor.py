"""Edit a parameter dictionary (global ``metadata.parameters`` or one cell's local parameters).

Shared by the cell sidebar and the global parameters dialog. Every change goes straight to the
notebook (``set_parameter`` / ``rename_parameter`` / ``delete_parameter``) once it is valid, so
nothing is lost if the user walks away; invalid names are shown and never written.
"""

from __future__ import annotations

import json
import re
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static, TextArea

from ..document import Prompt
from ..notebook import EditError, Notebook
from .inert import install_text_area
from .safe_text import plain

install_text_area()  # this module draws user text in a TextArea: keep it inert

NAME_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
"""Valid parameter names: the Gradio editor's ``^[a-zA-Z_$][a-zA-Z0-9_$]*$`` minus ``$``."""


def name_problem(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str | None:
    """Why ``name`` cannot be a parameter name (None if it can)."""
    if not name:
        return "a parameter needs a name"
    if "$" in name:
        # The Gradio editor accepts `$`, but pybars (the template engine) cannot parse {{a$b}}: the
        # parameter could never be used, so refuse it here rather than fail at run time.
        return f"{name!r}: '$' breaks {{{{...}}}} templates; use letters, digits and _"
    if not NAME_PATTERN.match(name):
        return f"{name!r}: use letters, digits and _, not starting with a digit"
    if name in taken:
        return f"{name!r} already exists"
    return None


def value_text(value: Any) -> str:
    """How a stored value is shown: strings as they are, anything else as JSON (like the Gradio editor)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def parse_value(text: str, original: Any) -> Any:
    """The value to store for ``text``. Strings stay strings; a value that was not a string (a number,
    a list) keeps its JSON type when the text is still valid JSON, so editing ``3`` to ``4`` stays a number."""
    if isinstance(original, str) or original is None:
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class ParamRow(Horizontal):
    """One parameter: name, value, delete."""

    DEFAULT_CSS = """
    ParamRow { height: auto; }
    ParamRow .param-name { width: 18; }
    ParamRow .param-value { width: 1fr; height: auto; min-height: 3; max-height: 8; }
    ParamRow .param-delete { min-width: 5; width: 5; }
    """

    def __init__(self, name: str, value: Any, row_id: int) -> None:
        super().__init__(id=f"param-row-{row_id}", classes="param-row")
        self.current_name = name
        """The name the parameter has in the document now (changes as the user renames it)."""
        self.original = value
        """The stored value when the row was built (decides string vs JSON on edit)."""

    def compose(self) -> ComposeResult:
        yield Input(self.current_name, placeholder="name", classes="param-name", select_on_focus=False)
        yield TextArea(value_text(self.original), classes="param-value", soft_wrap=True, tab_behavior="focus")
        yield Button("✕", classes="param-delete", variant="error", tooltip=f"Delete {self.current_name}")


class ParamsEditor(Vertical):
    """Add, edit, rename and delete parameters; ``prompt=None`` edits the global parameters."""

    DEFAULT_CSS = """
    ParamsEditor { height: auto; }
    ParamsEditor #params-rows { height: auto; }
    ParamsEditor .params-help { color: $text-muted; margin-bottom: 1; }
    ParamsEditor .params-empty { color: $text-muted; }
    ParamsEditor #params-problem { color: $error; }
    ParamsEditor #params-add-row { height: auto; margin-top: 1; }
    ParamsEditor #params-new-name { width: 18; }
    ParamsEditor #params-new-value { width: 1fr; }
    ParamsEditor #params-add { min-width: 7; }
    """

    def __init__(self, notebook: Notebook, prompt: Prompt | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.notebook = notebook
        """The notebook every edit goes through."""
        self.prompt = prompt
        """The cell whose local parameters are edited; None for the global parameters."""
        self._next_row = 0
        """Row ids are never reused, so a rebuilt row never collides with one being removed."""

    # -- document access -------------------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        """The parameters as stored now."""
        with self.notebook.lock:
            if self.prompt is None:
                return dict(self.notebook.doc.metadata.parameters or {})
            meta = self.prompt.metadata
            return dict((meta.parameters if meta else None) or {})

    def _scope(self) -> int | None:
        if self.prompt is None:
            return None
        return self.notebook.index_of(self.prompt)

    # -- building ----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        where = "this cell (overrides global parameters)" if self.prompt is not None else "every cell"
        yield Static(plain(f"Use parameters in prompts as {{{{name}}}}; these apply to {where}."),
                     classes="params-help")
        yield Vertical(*self._rows(), id="params-rows")
        yield Static("", id="params-problem")
        with Horizontal(id="params-add-row"):
            yield Input(placeholder="new name", id="params-new-name")
            yield Input(placeholder="value", id="params-new-value")
            yield Button("Add", id="params-add", variant="primary")

    def _rows(self) -> list:
        rows: list = []
        for name, value in self.params().items():
            rows.append(ParamRow(name, value, self._next_row))
            self._next_row += 1
        if not rows:
            rows.append(Static("No parameters yet.", classes="params-empty"))
        return rows

    def rows(self) -> list[ParamRow]:
        return list(self.query(ParamRow))

    def row(self, name: str) -> ParamRow:
        """The row currently showing parameter ``name``."""
        for row in self.rows():
            if row.current_name == name:
                return row
        raise KeyError(name)

    def _problem(self, text: str | None) -> None:
        self.query_one("#params-problem", Static).update(plain(text or ""))

    @property
    def problem(self) -> str:
        """The message being shown (empty when none)."""
        return str(self.query_one("#params-problem", Static).content)

    # -- editing -------------------------------------------------------------------------------------------

    def add(self, name: str, value: str) -> bool:
        """Add a parameter (what the Add button does); False with a message when the name is refused."""
        name = name.strip()
        problem = name_problem(name, set(self.params()))
        if problem:
            self._problem(problem)
            return False
        try:
            self.notebook.set_parameter(name, value, prompt=self._scope())
        except (EditError, KeyError) as exc:
            self._problem(str(exc))
            return False
        self._problem(None)
        return True

    @on(Button.Pressed, "#params-add")
    @on(Input.Submitted, "#params-new-name, #params-new-value")
    def _add_pressed(self, event) -> None:  # noqa: ANN001
        event.stop()
        name_input = self.query_one("#params-new-name", Input)
        value_input = self.query_one("#params-new-value", Input)
        if self.add(name_input.value, value_input.value):
            name_input.value = ""
            value_input.value = ""
            self.rebuild()
            self.call_after_refresh(name_input.focus)

    @on(Input.Changed, ".param-name")
    def _name_typed(self, event: Input.Changed) -> None:
        # Validate while typing, rename only on enter or leaving the field: renaming on every
        # keystroke would apply the prefixes ("o" on the way from "ok" to "other").
        event.stop()
        row = event.input.parent
        assert isinstance(row, ParamRow)
        new = event.value.strip()
        self._problem(None if new == row.current_name else name_problem(new, set(self.params()) - {row.current_name}))

    @on(Input.Submitted, ".param-name")
    @on(Input.Blurred, ".param-name")
    def _rename(self, event: Input.Submitted | Input.Blurred) -> None:
        event.stop()
        row = event.input.parent
        if not isinstance(row, ParamRow) or not row.is_attached:
            return
        self.rename(row, event.input.value)

    def rename(self, row: ParamRow, new: str) -> bool:
        """Rename the row's parameter; a refused name puts the old one back in the field."""
        new = new.strip()
        if new == row.current_name:
            return True
        problem = name_problem(new, set(self.params()) - {row.current_name})
        if problem is None:
            try:
                self.notebook.rename_parameter(row.current_name, new, prompt=self._scope())
            except (EditError, KeyError) as exc:
                problem = str(exc)
        if problem is not None:
            self._problem(f"{problem}; kept the name {row.current_name!r}")
            name_input = row.query_one(".param-name", Input)
            with name_input.prevent(Input.Changed):
                name_input.value = row.current_name
            return False
        row.current_name = new
        self._problem(None)
        return True

    @on(TextArea.Changed, ".param-value")
    def _value_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        row = event.text_area.parent
        assert isinstance(row, ParamRow)
        if row.current_name not in self.params():
            return  # the row shows a name that failed validation; nothing to write to yet
        self.notebook.set_parameter(row.current_name, parse_value(event.text_area.text, row.original),
                                    prompt=self._scope())

    @on(Button.Pressed, ".param-delete")
    def _delete(self, event: Button.Pressed) -> None:
        event.stop()
        row = event.button.parent
        assert isinstance(row, ParamRow)
        self.delete(row.current_name)

    def delete(self, name: str) -> None:
        try:
            self.notebook.delete_parameter(name, prompt=self._scope())
        except KeyError:
            pass
        self.rebuild()

    # -- following the document ----------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Rebuild the rows from the document."""
        container = self.query_one("#params-rows", Vertical)
        container.remove_children()
        container.mount(*self._rows())

    def sync(self) -> None:
        """Show the document's parameters. Rows being edited are left alone; a different set of names
        (undo, reload, an edit in another panel) rebuilds the rows when nothing here has focus."""
        stored = self.params()
        rows = self.rows()
        if [r.current_name for r in rows] != list(stored):
            focused = self.screen.focused
            if focused is None or self not in focused.ancestors_with_self:
                self.rebuild()
            return
        for row in rows:
            areas = row.query(".param-value").results(TextArea)
            area = next(iter(areas), None)
            if area is None or area.has_focus:  # None: the row is mounting and already shows the value
                continue
            text = value_text(stored[row.current_name])
            if area.text != text:
                with area.prevent(TextArea.Changed):
                    area.text = text
