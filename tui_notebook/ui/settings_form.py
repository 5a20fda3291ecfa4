"""A model-settings form generated from a parser's JSON Schema; writes only the keys the user edits.

The rules follow the Gradio Notebook's form (spec §5.3): string -> text input, or a select when the
schema has an ``enum``; number/integer -> input validated against ``minimum``/``maximum``; boolean ->
switch; array of strings -> one item per line; anything else -> JSON text. Schema defaults are shown
as placeholders but never written: only the keys the user edits reach ``notebook.set_setting``, and
clearing a field removes its key. Settings the schema does not describe (and every setting of a parser
without a schema) are edited as one JSON object under "Other settings".

The parsing and formatting of values is plain functions (``field_specs``, ``parse_text``,
``format_value``) so it is testable without a UI.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static, Switch, TextArea

from ..document import Prompt
from ..notebook import EditError, Notebook
from .inert import install_text_area
from .safe_text import plain
from .settings_target import CellSettings, SettingsTarget

install_text_area()  # this module draws user text in a TextArea: keep it inert

Kind = Literal["string", "enum", "number", "integer", "boolean", "string_list", "json"]

_MISSING = object()


@dataclass
class FieldSpec:
    """One form field, derived from one property of the settings schema."""

    key: str
    """The settings key written to the file."""
    kind: Kind
    """Which editor and which parsing rule the field uses."""
    description: str = ""
    """The schema's description, shown under the field."""
    default: Any = _MISSING
    """The schema default (shown, never written); ``_MISSING`` when the schema has none."""
    minimum: float | None = None
    """Inclusive lower bound (``minimum``)."""
    maximum: float | None = None
    """Inclusive upper bound (``maximum``)."""
    exclusive_minimum: float | None = None
    """Exclusive lower bound (``exclusiveMinimum``)."""
    exclusive_maximum: float | None = None
    """Exclusive upper bound (``exclusiveMaximum``)."""
    enum: list[Any] = field(default_factory=list)
    """Allowed values for ``enum`` fields."""
    json_type: str | None = None
    """For ``json`` fields: the JSON type the value must have (``object``, ``array``...), if known."""

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING


def _schema_type(prop: dict[str, Any]) -> str | None:
    """The property's type, ignoring ``null`` in a union (``["integer", "null"]`` is an integer field)."""
    kind = prop.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if len(kinds) == 1 else None
    if kind is None:
        for key in ("anyOf", "oneOf"):
            options = [o for o in prop.get(key, []) if isinstance(o, dict) and o.get("type") != "null"]
            if len(options) == 1:
                return _schema_type(options[0])
    return kind if isinstance(kind, str) else None


def field_spec(key: str, prop: dict[str, Any]) -> FieldSpec:
    """The field for one schema property."""
    kind_name = _schema_type(prop)
    spec = FieldSpec(key=key, kind="json", description=str(prop.get("description", "") or ""))
    if "default" in prop:
        spec.default = prop["default"]
    for attr, name in (("minimum", "minimum"), ("maximum", "maximum"),
                       ("exclusive_minimum", "exclusiveMinimum"), ("exclusive_maximum", "exclusiveMaximum")):
        value = prop.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            setattr(spec, attr, value)
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        spec.kind = "enum"
        spec.enum = list(prop["enum"])
    elif kind_name in ("string", "number", "integer", "boolean"):
        spec.kind = kind_name  # type: ignore[assignment]
    elif kind_name == "array" and _schema_type(prop.get("items") or {}) == "string":
        spec.kind = "string_list"
    else:
        spec.json_type = kind_name
    return spec


def field_specs(schema: dict[str, Any] | None) -> list[FieldSpec]:
    """Every field of a settings schema, in the schema's order."""
    properties = (schema or {}).get("properties") or {}
    return [field_spec(key, prop if isinstance(prop, dict) else {}) for key, prop in properties.items()]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _range_problem(spec: FieldSpec, value: float) -> str | None:
    low = spec.minimum if spec.minimum is not None else spec.exclusive_minimum
    high = spec.maximum if spec.maximum is not None else spec.exclusive_maximum
    too_low = (spec.minimum is not None and value < spec.minimum) or (
        spec.exclusive_minimum is not None and value <= spec.exclusive_minimum)
    too_high = (spec.maximum is not None and value > spec.maximum) or (
        spec.exclusive_maximum is not None and value >= spec.exclusive_maximum)
    if not (too_low or too_high):
        return None
    if low is not None and high is not None:
        return f"must be between {_number(low)} and {_number(high)}"
    if too_low:
        word = "above" if spec.minimum is None else "at least"
        return f"must be {word} {_number(low)}"  # type: ignore[arg-type]
    word = "below" if spec.maximum is None else "at most"
    return f"must be {word} {_number(high)}"  # type: ignore[arg-type]


def parse_text(spec: FieldSpec, text: str) -> tuple[Any, str | None]:
    """Parse what the user typed. Returns ``(value, problem)``; ``value`` None with no problem means
    "the field is empty: remove the key"."""
    stripped = text.strip()
    if spec.kind == "string":
        return (text if text != "" else None), None
    if stripped == "":
        return None, None
    if spec.kind == "integer":
        try:
            value: Any = int(stripped)
        except ValueError:
            return None, "must be a whole number"
        return (None, problem) if (problem := _range_problem(spec, value)) else (value, None)
    if spec.kind == "number":
        try:
            value = float(stripped)
        except ValueError:
            return None, "must be a number"
        if not math.isfinite(value):
            return None, "must be a finite number"
        if value.is_integer() and "." not in stripped and "e" not in stripped.lower():
            value = int(value)  # keep "3" as 3 in the file, as a person typing 3 means
        return (None, problem) if (problem := _range_problem(spec, value)) else (value, None)
    if spec.kind == "string_list":
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError as exc:
                return None, f"not a JSON list: {exc.msg}"
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return None, "must be a list of strings"
            return value, None
        return [line for line in text.splitlines() if line != ""], None
    if spec.kind == "json":
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            return None, f"not valid JSON: {exc.msg}"
        expected = {"object": dict, "array": list, "string": str}.get(spec.json_type or "")
        if expected is not None and not isinstance(value, expected):
            return None, f"must be a JSON {spec.json_type}"
        return value, None
    raise ValueError(f"{spec.kind} fields are not edited as text")


def format_value(spec: FieldSpec, value: Any) -> str:
    """The text shown in the field for a stored value (inverse of :func:`parse_text`)."""
    if value is None:
        return ""
    if spec.kind == "string" and isinstance(value, str):
        return value
    if spec.kind in ("number", "integer") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if spec.kind == "string_list" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        if any("\n" in v or v == "" for v in value) or (value and value[0].startswith("[")):
            return json.dumps(value, ensure_ascii=False)
        return "\n".join(value)
    return json.dumps(value, ensure_ascii=False)


def _field_id(key: str) -> str:
    # Setting keys can hold characters that are not valid in widget ids.
    return "setting-" + "".join(c if c.isalnum() or c in "_-" else f"_{ord(c):x}_" for c in key)


class SettingField(Vertical):
    """One labelled editor for one setting, with its inline problem line and a reset button."""

    DEFAULT_CSS = """
    SettingField { height: auto; margin-bottom: 1; }
    SettingField .field-head { height: 1; }
    SettingField .field-label { width: 1fr; text-style: bold; }
    SettingField.-set .field-label { color: $accent; }
    SettingField .field-reset { min-width: 9; width: 9; height: 1; display: none; }
    SettingField.-set .field-reset { display: block; }
    SettingField .field-help { color: $text-muted; }
    SettingField .field-problem { color: $error; display: none; }
    SettingField.-invalid .field-problem { display: block; }
    SettingField.-invalid Input, SettingField.-invalid TextArea { border: tall $error; }
    SettingField TextArea { height: 4; }
    SettingField Switch { width: auto; }
    """

    class Edited(Message):
        """The user changed a field to a valid value (None: remove the key)."""

        def __init__(self, field: "SettingField", value: Any) -> None:
            super().__init__()
            self.field = field
            self.value = value

    def __init__(self, spec: FieldSpec, value: Any, shown_default: Any, default_source: str) -> None:
        super().__init__(id=_field_id(spec.key))
        self.spec = spec
        """What kind of field this is."""
        self.initial = value
        """The prompt's own value when built (None: not set)."""
        self.shown_default = shown_default
        """The value that applies when the key is unset (global setting or schema default)."""
        self.default_source = default_source
        """Where ``shown_default`` comes from: "default", "global" or ""."""

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Horizontal(classes="field-head"):
            yield Label(plain(spec.key), classes="field-label")
            yield Button("↺ reset", classes="field-reset", compact=True,
                         tooltip="Remove this setting from the cell (the default applies)")
        placeholder = self._placeholder()
        if spec.kind == "boolean":
            current = self.initial if isinstance(self.initial, bool) else bool(self.shown_default)
            yield Switch(value=current, classes="field-editor")
        elif spec.kind == "enum":
            options = [(format_value(FieldSpec(spec.key, "json"), v) if not isinstance(v, str) else v, i)
                       for i, v in enumerate(spec.enum)]
            index = self._enum_index(self.initial)
            yield Select(options, prompt=placeholder or "(not set)", allow_blank=True,
                         value=index if index is not None else Select.NULL, classes="field-editor")
        elif spec.kind in ("string_list", "json") and spec.json_type != "string":
            yield TextArea(format_value(spec, self.initial), classes="field-editor", placeholder=placeholder,
                           soft_wrap=True, tab_behavior="focus")
        else:
            yield Input(format_value(spec, self.initial), placeholder=placeholder, classes="field-editor",
                        select_on_focus=False)
        yield Static("", classes="field-problem")
        help_text = spec.description
        if spec.kind == "string_list":
            help_text = (help_text + " " if help_text else "") + "(one per line)"
        if help_text:
            yield Static(plain(help_text), classes="field-help")  # the parser's text

    def on_mount(self) -> None:
        self.set_class(self.initial is not None, "-set")

    def _placeholder(self) -> str:
        if self.default_source == "":
            return ""
        text = format_value(self.spec, self.shown_default).replace("\n", ", ")
        return f"{self.default_source}: {text}"

    def _enum_index(self, value: Any) -> int | None:
        for i, option in enumerate(self.spec.enum):
            if option == value and type(option) is type(value):
                return i
        return None

    # -- reading the editor --------------------------------------------------------------------------

    def editor_text(self) -> str:
        editor = self.query_one(".field-editor")
        return editor.text if isinstance(editor, TextArea) else getattr(editor, "value", "")

    def show_problem(self, problem: str | None) -> None:
        self.set_class(problem is not None, "-invalid")
        self.query_one(".field-problem", Static).update(plain(f"{self.spec.key} {problem}") if problem else "")

    @property
    def problem(self) -> str | None:
        """The inline validation message being shown, if any."""
        return str(self.query_one(".field-problem", Static).content) if self.has_class("-invalid") else None

    def _text_edited(self, text: str) -> None:
        value, problem = parse_text(self.spec, text)
        self.show_problem(problem)
        if problem is None:
            self.post_message(self.Edited(self, value))

    @on(Input.Changed, ".field-editor")
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._text_edited(event.value)

    @on(TextArea.Changed, ".field-editor")
    def _textarea_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._text_edited(event.text_area.text)

    @on(Switch.Changed, ".field-editor")
    def _switch_changed(self, event: Switch.Changed) -> None:
        event.stop()
        self.post_message(self.Edited(self, event.value))

    @on(Select.Changed, ".field-editor")
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = None if event.value is Select.NULL else self.spec.enum[event.value]  # type: ignore[index]
        self.post_message(self.Edited(self, value))

    @on(Button.Pressed, ".field-reset")
    def _reset(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Edited(self, None))

    # -- showing a value from the document --------------------------------------------------------------

    def show_default(self, shown_default: Any, default_source: str) -> None:
        """Show another inherited value in the empty field (a global setting edited elsewhere)."""
        if (shown_default, default_source) == (self.shown_default, self.default_source):
            return
        self.shown_default, self.default_source = shown_default, default_source
        editor = self.query_one(".field-editor")
        placeholder = self._placeholder()
        if isinstance(editor, Select):
            editor.prompt = placeholder or "(not set)"
        elif isinstance(editor, Switch):
            if not self.has_class("-set"):
                with editor.prevent(Switch.Changed):
                    editor.value = bool(shown_default)
        else:
            editor.placeholder = placeholder  # type: ignore[union-attr]

    def show_value(self, value: Any) -> None:
        """Show ``value`` (None: unset) unless the user is typing here; no write happens."""
        self.set_class(value is not None, "-set")
        editor = self.query_one(".field-editor")
        if editor.has_focus and not isinstance(editor, (Switch, Select)):
            return  # never rewrite text under the cursor; the user's text is the newer truth
        # prevent(): showing the document's value must not come back as an edit (a reset boolean
        # would otherwise be written straight back with its default).
        with editor.prevent(Switch.Changed, Select.Changed, Input.Changed, TextArea.Changed):
            if isinstance(editor, Switch):
                editor.value = value if isinstance(value, bool) else bool(self.shown_default)
            elif isinstance(editor, Select):
                index = self._enum_index(value)
                editor.value = index if index is not None else Select.NULL
            else:
                current, problem = parse_text(self.spec, self.editor_text())
                if problem is None and current == value:
                    return  # same value, maybe typed differently ("1.50"): keep the user's spelling
                text = format_value(self.spec, value)
                if isinstance(editor, TextArea):
                    editor.text = text
                else:
                    editor.value = text  # type: ignore[union-attr]
                self.show_problem(None)


class OtherSettings(Vertical):
    """Settings the schema does not describe, edited as one JSON object (the whole form for a parser
    without a schema)."""

    DEFAULT_CSS = """
    OtherSettings { height: auto; }
    OtherSettings .other-label { text-style: bold; }
    OtherSettings .other-help { color: $text-muted; }
    OtherSettings TextArea { height: 6; }
    OtherSettings .other-problem { color: $error; }
    OtherSettings .other-warning { color: $warning; }
    """

    class Edited(Message):
        """A valid JSON object was typed: the new set of "other" settings."""

        def __init__(self, values: dict[str, Any]) -> None:
            super().__init__()
            self.values = values

    def __init__(self, values: dict[str, Any], has_schema: bool, unknown: list[str]) -> None:
        super().__init__(id="other-settings")
        self.values = values
        """The "other" settings when built."""
        self.has_schema = has_schema
        """False when the parser declares no settings (this is then the whole form)."""
        self.unknown = unknown
        """Keys the parser would ignore (a warning, since they do nothing)."""

    def compose(self) -> ComposeResult:
        title = "Other settings (JSON)" if self.has_schema else "Settings (JSON)"
        yield Label(title, classes="other-label")
        if not self.has_schema:
            yield Static("This model declares no settings form; edit its settings as a JSON object.",
                         classes="other-help")
        yield TextArea(_dumps_object(self.values), id="other-json", soft_wrap=True, tab_behavior="focus",
                       placeholder="{}")
        yield Static("", id="other-problem", classes="other-problem")
        yield Static(self._warning(), id="other-warning", classes="other-warning")

    def _warning(self) -> str | Content:
        if not self.unknown:
            return ""
        return plain("Not used by this model's parser: " + ", ".join(self.unknown))

    @on(TextArea.Changed, "#other-json")
    def _changed(self, event: TextArea.Changed) -> None:
        event.stop()
        text = event.text_area.text.strip() or "{}"
        problem = self.query_one("#other-problem", Static)
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            problem.update(plain(f"not valid JSON: {exc.msg} (line {exc.lineno})"))
            return
        if not isinstance(values, dict):
            problem.update("must be a JSON object: {\"key\": value, ...}")
            return
        problem.update("")
        self.post_message(self.Edited(values))

    def show_values(self, values: dict[str, Any], unknown: list[str]) -> None:
        self.unknown = unknown
        self.query_one("#other-warning", Static).update(self._warning())
        area = self.query_one("#other-json", TextArea)
        if area.has_focus:
            return
        try:
            current = json.loads(area.text.strip() or "{}")
        except json.JSONDecodeError:
            current = None
        if current != values:
            with area.prevent(TextArea.Changed):
                area.text = _dumps_object(values)
        self.values = values


def _dumps_object(values: dict[str, Any]) -> str:
    return json.dumps(values, indent=2, ensure_ascii=False) if values else ""


COMMON_FIELDS = 12
"""Fields a form shows at first (plus every field with a value); "Show N more settings" builds the rest."""


class SettingsForm(Vertical):
    """The model settings of one cell, or of one model's global entry (``metadata.models``). Rebuild it (a new
    instance) when the model changes: another model has another schema."""

    DEFAULT_CSS = """
    SettingsForm { height: auto; }
    SettingsForm .form-model { color: $text-muted; margin-bottom: 1; }
    SettingsForm .form-error { color: $error; }
    SettingsForm #more-settings { margin-bottom: 1; }
    """

    def __init__(self, notebook: Notebook, subject: Prompt | SettingsTarget, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.notebook = notebook
        """The notebook every edit goes through."""
        self.target: SettingsTarget = CellSettings(notebook, subject) if isinstance(subject, Prompt) else subject
        """Whose settings are edited: a cell's (``settings_target.CellSettings``) or a model's global ones."""
        self.parser = self.target.parser()
        """The parser whose schema built the form (None when there is no model)."""
        self.specs = field_specs(self.parser.settings_schema if self.parser else None)
        """One spec per schema property."""
        self._hidden: list[FieldSpec] = []
        """Fields not built yet (see ``compose``)."""

    def compose(self) -> ComposeResult:
        if self.target.model() is None or self.parser is None:
            yield Static(self.target.missing_text, classes="form-error")
            return
        label = getattr(self.parser, "label", "") or self.parser.id
        yield Static(plain(f"{label} · {self.parser.id}"), classes="form-model")
        own = self.target.own()
        inherited = self.target.inherited()
        # Local transformers models describe 55 settings (~400 widgets, a second to build on a slow machine).
        # The first ones (parsers list the common ones first) and every one that has a value are built now;
        # the rest when asked for.
        shown = [spec for i, spec in enumerate(self.specs)
                 if i < COMMON_FIELDS or spec.key in own or spec.key in inherited]
        self._hidden = [spec for spec in self.specs if spec not in shown]
        yield from self._fields(shown, own, inherited)
        if self._hidden:
            yield Button(f"Show {len(self._hidden)} more settings", id="more-settings", compact=True,
                         tooltip=", ".join(spec.key for spec in self._hidden))
        yield OtherSettings(self._other(own), bool(self.specs), self._unknown(self.target.effective()))

    def _fields(self, specs: list[FieldSpec], own: dict[str, Any], inherited: dict[str, Any]) -> list[SettingField]:
        return [SettingField(spec, own.get(spec.key), *self._shown_default(spec, inherited)) for spec in specs]

    @on(Button.Pressed, "#more-settings")
    async def show_all_fields(self, event: Button.Pressed | None = None) -> None:
        """Build the fields left out at first, in their schema places, and go to the first of them."""
        if event is not None:
            event.stop()
        hidden, self._hidden = self._hidden, []
        button = self.query_one("#more-settings", Button)
        fields = self._fields(hidden, self.target.own(), self.target.inherited())
        await self.mount_all(fields, before=button)
        await button.remove()
        order = {spec.key: i for i, spec in enumerate(self.specs)}
        for field_widget in sorted(self.query(SettingField), key=lambda f: order[f.spec.key]):
            self.move_child(field_widget, before=self.query_one(OtherSettings))
        editor = fields[0].query_one(".field-editor")
        if editor.focusable:
            editor.focus()

    def _shown_default(self, spec: FieldSpec, inherited: dict[str, Any]) -> tuple[Any, str]:
        """What applies when the field is empty, and where it comes from."""
        if spec.key in inherited:
            return inherited[spec.key], self.target.inherited_label
        if spec.has_default:
            return spec.default, "default"
        return None, ""

    def _other(self, own: dict[str, Any]) -> dict[str, Any]:
        known = {spec.key for spec in self.specs}
        return {k: v for k, v in own.items() if k not in known}

    def _unknown(self, effective: dict[str, Any]) -> list[str]:
        return self.parser.unknown_settings(effective) if self.parser else []

    def _write(self, key: str, value: Any) -> None:
        try:
            self.target.write(key, value)
        except EditError as exc:
            self.notify(str(exc), severity="error")

    @on(SettingField.Edited)
    def _field_edited(self, event: SettingField.Edited) -> None:
        event.stop()
        self._write(event.field.spec.key, event.value)
        if event.value is None:
            # A reset shows the default again (a focused text field keeps what the user typed).
            event.field.show_value(None)
        event.field.set_class(event.value is not None, "-set")

    @on(OtherSettings.Edited)
    def _other_edited(self, event: OtherSettings.Edited) -> None:
        event.stop()
        old = self._other(self.target.own())
        known = {spec.key for spec in self.specs}
        for key in old:
            if key not in event.values:
                self._write(key, None)
        for key, value in event.values.items():
            if key in known:
                continue  # a schema key typed here: its own field owns it
            if old.get(key, _MISSING) != value:
                self._write(key, value)

    def field(self, key: str) -> SettingField:
        """The field for setting ``key`` (tests and keyboard jumps)."""
        return self.query_one(f"#{_field_id(key)}", SettingField)

    def sync(self) -> None:
        """Show the document's current values (after undo, reload, or an edit elsewhere — a global setting
        changed in the global settings editor shows up here as the new inherited value)."""
        own = self.target.own()
        inherited = self.target.inherited()
        for field_widget in self.query(SettingField):
            field_widget.show_default(*self._shown_default(field_widget.spec, inherited))
            field_widget.show_value(own.get(field_widget.spec.key))
        for other in self.query(OtherSettings):
            other.show_values(self._other(own), self._unknown(self.target.effective()))
