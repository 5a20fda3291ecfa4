"""Settings form, parameter editors, resolved preview, the sidebar around them, and the model picker.

Each test drives the widgets with Pilot (typing, clicking, keys) and checks the notebook document: the
only thing that matters is what would be saved.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from panel_kit import FORM_SCHEMA, HostApp, make_notebook, make_registry, no_cursor_blink, type_into  # noqa: F401
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, OptionList, Select, Static, Switch, TabbedContent, TextArea

from tui_notebook.notebook import Notebook
from tui_notebook.registry import default_registry
from tui_notebook.ui.model_picker import ModelPickerScreen, picker_entries
from tui_notebook.ui.params_editor import ParamsEditor, name_problem
from tui_notebook.ui.params_panel import GlobalParamsScreen
from tui_notebook.ui.settings_form import (
    FieldSpec,
    OtherSettings,
    SettingsForm,
    field_specs,
    parse_text,
)
from tui_notebook.ui.settings_target import prompt_settings
from tui_notebook.ui.sidebar import CellSidebar, ResolvedPreview

SIZE = (100, 80)


def settings(notebook: Notebook, name: str = "ask") -> dict[str, Any]:
    return prompt_settings(notebook.prompt(name))


def local_params(notebook: Notebook, name: str = "ask") -> dict[str, Any]:
    return dict(notebook.prompt(name).metadata.parameters or {})


def form_app(notebook: Notebook, name: str = "ask") -> HostApp:
    return HostApp(VerticalScroll(SettingsForm(notebook, notebook.prompt(name))))


# -- the schema rules, without a UI ----------------------------------------------------------------------


def test_field_kinds_follow_the_schema() -> None:
    kinds = {spec.key: spec.kind for spec in field_specs(FORM_SCHEMA)}
    assert kinds == {"model": "string", "temperature": "number", "max_new_tokens": "integer", "stream": "boolean",
                     "device": "enum", "stop_sequences": "string_list", "extra_kwargs": "json"}
    nullable = field_specs({"properties": {"seed": {"type": ["integer", "null"]},
                                           "top_p": {"anyOf": [{"type": "number"}, {"type": "null"}]}}})
    assert [s.kind for s in nullable] == ["integer", "number"]


def test_parse_text_rules() -> None:
    number = FieldSpec("t", "number", minimum=0, maximum=2)
    assert parse_text(number, "0.5") == (0.5, None)
    assert parse_text(number, "2") == (2, None)
    assert parse_text(number, "") == (None, None)
    assert parse_text(number, "2.5") == (None, "must be between 0 and 2")
    assert parse_text(number, "x") == (None, "must be a number")
    assert parse_text(number, "nan") == (None, "must be a finite number")
    integer = FieldSpec("n", "integer", minimum=1)
    assert parse_text(integer, "3") == (3, None)
    assert parse_text(integer, "1.5") == (None, "must be a whole number")
    assert parse_text(integer, "0") == (None, "must be at least 1")
    assert parse_text(FieldSpec("p", "number", exclusive_maximum=1), "1") == (None, "must be below 1")
    lines = FieldSpec("s", "string_list")
    assert parse_text(lines, "a\n\nb") == (["a", "b"], None)
    assert parse_text(lines, '["\\n", "x"]') == (["\n", "x"], None)
    assert parse_text(FieldSpec("o", "json", json_type="object"), "[1]") == (None, "must be a JSON object")


# -- the settings form ------------------------------------------------------------------------------------


async def test_every_field_kind_gets_its_editor_and_defaults_show_as_placeholders() -> None:
    notebook = make_notebook()
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.query_one(SettingsForm)
        editors = {key: type(form.field(key).query_one(".field-editor")).__name__ for key in FORM_SCHEMA["properties"]}
        assert editors == {"model": "Input", "temperature": "Input", "max_new_tokens": "Input", "stream": "Switch",
                           "device": "Select", "stop_sequences": "TextArea", "extra_kwargs": "TextArea"}
        assert form.field("temperature").query_one(Input).placeholder == "default: 1.0"
        assert form.field("max_new_tokens").query_one(Input).placeholder == "default: 400"
        assert form.field("stream").query_one(Switch).value is True  # the default, displayed
        assert settings(notebook) == {}  # ...and nothing written by showing it
        assert not notebook.dirty


async def test_only_edited_keys_are_written_and_clearing_removes() -> None:
    notebook = make_notebook()
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.query_one(SettingsForm)
        await type_into(pilot, form.field("temperature").query_one(Input), "0.5")
        assert settings(notebook) == {"temperature": 0.5}
        await type_into(pilot, form.field("max_new_tokens").query_one(Input), "64")
        await type_into(pilot, form.field("model").query_one(Input), "org/model-x")
        assert settings(notebook) == {"temperature": 0.5, "max_new_tokens": 64, "model": "org/model-x"}
        assert notebook.dirty
        await type_into(pilot, form.field("temperature").query_one(Input), "")
        assert settings(notebook) == {"max_new_tokens": 64, "model": "org/model-x"}


async def test_out_of_range_number_shows_a_message_and_writes_nothing() -> None:
    notebook = make_notebook()
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        field = app.query_one(SettingsForm).field("temperature")
        await type_into(pilot, field.query_one(Input), "1.5")
        assert settings(notebook) == {"temperature": 1.5}
        await type_into(pilot, field.query_one(Input), "e3", clear=False)  # 1.5e3 = 1500
        assert field.problem == "temperature must be between 0 and 2"
        assert field.query_one(".field-problem").display
        assert settings(notebook) == {"temperature": 1.5}  # the last valid value stays
        await type_into(pilot, field.query_one(Input), "2")
        assert field.problem is None
        assert settings(notebook) == {"temperature": 2}
        integer = app.query_one(SettingsForm).field("max_new_tokens")
        await type_into(pilot, integer.query_one(Input), "0")
        assert integer.problem == "max_new_tokens must be at least 1"
        assert "max_new_tokens" not in settings(notebook)


async def test_boolean_switch_writes_and_reset_removes_without_writing_back() -> None:
    notebook = make_notebook()
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        field = app.query_one(SettingsForm).field("stream")
        switch = field.query_one(Switch)
        switch.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert settings(notebook) == {"stream": False}
        assert field.has_class("-set")
        await pilot.click(field.query_one(".field-reset", Button))
        await pilot.pause()
        assert settings(notebook) == {}  # removed, and the default shown again is not written back
        assert switch.value is True
        assert not field.has_class("-set")


async def test_enum_select_writes_the_choice_and_blank_removes() -> None:
    notebook = make_notebook()
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        select = app.query_one(SettingsForm).field("device").query_one(Select)
        select.focus()
        await pilot.press("enter", "down", "down", "enter")  # blank, cpu, [cuda]
        await pilot.pause()
        assert settings(notebook) == {"device": "cuda"}
        select.focus()
        await pilot.press("enter", "up", "up", "enter")
        await pilot.pause()
        assert settings(notebook) == {}


async def test_list_of_strings_and_object_fields() -> None:
    notebook = make_notebook()
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.query_one(SettingsForm)
        await type_into(pilot, form.field("stop_sequences").query_one(TextArea), "###\nEND")
        assert settings(notebook) == {"stop_sequences": ["###", "END"]}
        field = form.field("extra_kwargs")
        await type_into(pilot, field.query_one(TextArea), "[1, 2]")
        assert field.problem == "extra_kwargs must be a JSON object"
        assert "extra_kwargs" not in settings(notebook)
        await type_into(pilot, field.query_one(TextArea), '{"beams": 2}')
        assert field.problem is None
        assert settings(notebook)["extra_kwargs"] == {"beams": 2}


async def test_settings_outside_the_schema_are_edited_as_json_with_a_warning() -> None:
    notebook = make_notebook()
    notebook.set_setting(0, "mystery", 3)
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        other = app.query_one(OtherSettings)
        assert "mystery" in str(other.query_one("#other-warning", Static).content)
        area = other.query_one("#other-json", TextArea)
        assert '"mystery": 3' in area.text
        await type_into(pilot, area, '{"mystery": 4, "another": "x"}')
        assert settings(notebook) == {"mystery": 4, "another": "x"}
        await type_into(pilot, area, ",", clear=False)  # trailing comma: invalid, nothing written
        assert "not valid JSON" in str(other.query_one("#other-problem", Static).content)
        assert settings(notebook) == {"mystery": 4, "another": "x"}
        await type_into(pilot, area, "")
        assert settings(notebook) == {}


async def test_parser_without_schema_gets_the_json_editor() -> None:
    notebook = make_notebook()
    app = form_app(notebook, "bare")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.query_one(SettingsForm)
        assert form.specs == []
        await type_into(pilot, app.query_one("#other-json", TextArea), '{"temperature": 0.1}')
        assert settings(notebook, "bare") == {"temperature": 0.1}


async def test_global_model_settings_show_as_the_placeholder() -> None:
    notebook = make_notebook()
    notebook.doc.metadata.models = {"Form Test": {"temperature": 0.3}}
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one(SettingsForm).field("temperature").query_one(Input).placeholder == "global: 0.3"


async def test_form_follows_edits_made_elsewhere() -> None:
    notebook = make_notebook()
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.query_one(SettingsForm)
        notebook.set_setting(0, "temperature", 1.25)
        notebook.set_setting(0, "stream", False)
        form.sync()
        await pilot.pause()
        assert form.field("temperature").query_one(Input).value == "1.25"
        assert form.field("stream").query_one(Switch).value is False
        assert settings(notebook) == {"temperature": 1.25, "stream": False}


# -- parameters ---------------------------------------------------------------------------------------------


def params_app(notebook: Notebook, prompt: str | None = "ask") -> HostApp:
    return HostApp(VerticalScroll(ParamsEditor(notebook, notebook.prompt(prompt) if prompt else None)))


async def add_param(pilot, editor: ParamsEditor, name: str, value: str) -> None:  # noqa: ANN001
    await type_into(pilot, editor.query_one("#params-new-name", Input), name)
    await type_into(pilot, editor.query_one("#params-new-value", Input), value)
    await pilot.press("enter")
    await pilot.pause()


def test_name_rules() -> None:
    assert name_problem("topic") is None and name_problem("_x1") is None
    assert "'$'" in (name_problem("a$b") or "")
    assert "letters" in (name_problem("1abc") or "")
    assert "letters" in (name_problem("a-b") or "")
    assert "already exists" in (name_problem("x", {"x"}) or "")
    assert name_problem("") == "a parameter needs a name"


async def test_add_edit_rename_delete_local_parameters() -> None:
    notebook = make_notebook()
    app = params_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        editor = app.query_one(ParamsEditor)
        await add_param(pilot, editor, "topic", "cats")
        assert local_params(notebook) == {"topic": "cats"}
        assert notebook.doc.metadata.parameters == {"city": "Paris"}  # local, not global

        row = editor.row("topic")
        await type_into(pilot, row.query_one(TextArea), "dogs and cats")
        assert local_params(notebook) == {"topic": "dogs and cats"}

        await type_into(pilot, row.query_one(Input), "subject")
        assert local_params(notebook) == {"topic": "dogs and cats"}  # renamed on enter, not per keystroke
        await pilot.press("enter")
        await pilot.pause()
        assert local_params(notebook) == {"subject": "dogs and cats"}
        assert row.current_name == "subject"

        await pilot.click(editor.row("subject").query_one(Button))
        await pilot.pause()
        assert local_params(notebook) == {}
        assert editor.rows() == []


async def test_invalid_names_are_refused_with_a_message() -> None:
    notebook = make_notebook()
    app = params_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        editor = app.query_one(ParamsEditor)
        await add_param(pilot, editor, "a$b", "1")
        assert "'$'" in editor.problem and local_params(notebook) == {}
        await add_param(pilot, editor, "9lives", "1")
        assert "letters" in editor.problem and local_params(notebook) == {}
        await add_param(pilot, editor, "ok", "1")
        assert editor.problem == "" and local_params(notebook) == {"ok": "1"}
        await add_param(pilot, editor, "ok", "2")
        assert "already exists" in editor.problem and local_params(notebook) == {"ok": "1"}
        # Renaming to a bad name is refused too, and the parameter keeps its name.
        name_field = editor.row("ok").query_one(Input)
        await type_into(pilot, name_field, "9x")
        assert "letters" in editor.problem  # shown while typing
        await pilot.press("enter")
        await pilot.pause()
        assert local_params(notebook) == {"ok": "1"}
        assert name_field.value == "ok" and "kept the name 'ok'" in editor.problem
        # Leaving the field applies a valid rename too (tab moves focus on).
        await type_into(pilot, name_field, "fine")
        await pilot.press("tab")
        await pilot.pause()
        assert local_params(notebook) == {"fine": "1"}


async def test_non_string_values_keep_their_type() -> None:
    notebook = make_notebook()
    notebook.set_parameter("count", 3, prompt=0)
    app = params_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        editor = app.query_one(ParamsEditor)
        await type_into(pilot, editor.row("count").query_one(TextArea), "4")
        assert local_params(notebook) == {"count": 4}


async def test_global_parameters_screen() -> None:
    notebook = make_notebook()
    screen = GlobalParamsScreen(notebook)
    app = HostApp(screen=screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        editor = screen.query_one(ParamsEditor)
        assert [r.current_name for r in editor.rows()] == ["city"]
        assert isinstance(app.focused, TextArea)  # lands on the first value, ready to type
        await type_into(pilot, editor.row("city").query_one(TextArea), "Lyon")
        await add_param(pilot, editor, "lang", "French")
        await add_param(pilot, editor, "bad$", "x")
        assert "'$'" in editor.problem
        assert notebook.doc.metadata.parameters == {"city": "Lyon", "lang": "French"}
        assert local_params(notebook) == {}
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_global_parameters_close_button() -> None:
    notebook = make_notebook()
    app = HostApp(screen=GlobalParamsScreen(notebook))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#close")
        await pilot.pause()
    assert app.results == [None]


# -- the sidebar and its resolved preview ---------------------------------------------------------------------


def sidebar_app(notebook: Notebook, name: str | None = "ask") -> HostApp:
    return HostApp(CellSidebar(notebook, notebook.prompt(name) if name else None))


def preview_text(app: HostApp, part: str = "text") -> str:
    return str(app.query_one(f"#resolved-{part}", Static).content)


async def test_preview_updates_after_a_parameter_edit_and_warns_about_escaping() -> None:
    notebook = make_notebook()
    app = sidebar_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        sidebar = app.query_one(CellSidebar)
        sidebar.show_tab("resolved")
        await pilot.pause()
        assert preview_text(app) == "Tell me about Paris and ."
        assert "{{topic}}: no such parameter" in preview_text(app, "missing")  # the reason, as in the cell
        assert preview_text(app, "warning") == ""

        sidebar.show_tab("params")
        await pilot.pause()
        editor = sidebar.query_one(ParamsEditor)
        await add_param(pilot, editor, "topic", "<b>cats & dogs</b>")
        sidebar.show_tab("resolved")
        await pilot.pause()
        assert preview_text(app) == "Tell me about Paris and &lt;b&gt;cats &amp; dogs&lt;/b&gt;."
        warning = preview_text(app, "warning")
        assert "{{topic}}" in warning and "{{{topic}}}" in warning and "&lt;b&gt;" in warning
        assert preview_text(app, "missing") == ""


async def test_preview_shows_a_resolve_error() -> None:
    notebook = make_notebook()
    notebook.set_input_text(0, "Uses {{> missing_partial}} here")
    app = sidebar_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        preview = app.query_one(ResolvedPreview)
        assert preview.resolution is None and preview.error
        assert preview_text(app, "error").startswith("Cannot resolve this prompt:")


async def test_sidebar_follows_edits_from_other_threads() -> None:
    notebook = make_notebook()
    app = sidebar_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        worker = threading.Thread(target=notebook.set_parameter, args=("topic", "rivers"), kwargs={"prompt": 0})
        worker.start()
        worker.join()
        await pilot.pause()
        await pilot.pause()
        assert preview_text(app) == "Tell me about Paris and rivers."
        assert [r.current_name for r in app.query_one(ParamsEditor).rows()] == ["topic"]


async def test_sidebar_switches_cells_models_and_handles_deletion() -> None:
    notebook = make_notebook()
    app = sidebar_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        sidebar = app.query_one(CellSidebar)
        title = app.query_one("#sidebar-title", Static)
        assert str(title.content) == "ask · Form Test"
        assert len(app.query_one(SettingsForm).specs) == len(FORM_SCHEMA["properties"])

        sidebar.set_prompt(notebook.prompt("bare"))
        await pilot.pause()
        assert str(title.content) == "bare · BareParser"
        assert app.query_one(SettingsForm).specs == []

        notebook.set_model(1, "Form Test")  # model change from elsewhere: a new form for the new schema
        await pilot.pause()
        await pilot.pause()
        assert str(title.content) == "bare · Form Test"
        assert len(app.query_one(SettingsForm).specs) == len(FORM_SCHEMA["properties"])

        notebook.delete_prompt(1)
        await pilot.pause()
        await pilot.pause()
        assert sidebar.prompt is None
        assert str(title.content) == "No cell selected"
        assert not app.query(TabbedContent)


async def test_sidebar_switching_cells_faster_than_it_builds_them_shows_the_last_one() -> None:
    """Holding j with the sidebar open asks for a new form before the last one has finished mounting; the
    half-mounted tabs of a removed form raised ValueError ("No Tab with id ...") and stopped the app."""
    notebook = make_notebook()
    app = sidebar_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        sidebar = app.query_one(CellSidebar)
        title = app.query_one("#sidebar-title", Static)
        for turns in range(12):  # the next request comes 0 to 11 event-loop turns after the last one
            for name in ("bare", "ask"):
                sidebar.set_prompt(notebook.prompt(name))
                for _ in range(turns):
                    await asyncio.sleep(0)
        sidebar.set_prompt(notebook.prompt("bare"))
        for _ in range(5):
            await pilot.pause()
        assert app.is_running and app.return_code is None
        assert str(title.content) == "bare · BareParser"
        assert len(app.query(TabbedContent)) == 1 and app.query_one(SettingsForm).specs == []
        assert app.query_one(TabbedContent).active == "tab-settings"


async def test_sidebar_keeps_the_chosen_tab_when_switching_cells() -> None:
    notebook = make_notebook()
    app = sidebar_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        sidebar = app.query_one(CellSidebar)
        sidebar.show_tab("params")
        await pilot.pause()
        sidebar.set_prompt(notebook.prompt("bare"))
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "tab-params"


async def test_typing_in_the_sidebar_is_not_disturbed_by_its_own_refresh() -> None:
    notebook = make_notebook()
    app = sidebar_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        field = app.query_one(SettingsForm).field("temperature")
        editor = field.query_one(Input)
        await type_into(pilot, editor, "0.50")
        await pilot.pause()
        assert editor.value == "0.50" and editor.has_focus  # not rewritten to "0.5" under the cursor
        assert settings(notebook) == {"temperature": 0.5}


# -- model picker ---------------------------------------------------------------------------------------------


def test_picker_lists_each_parser_once_under_its_gradio_name() -> None:
    names = [entry.name for entry in picker_entries(make_registry())]
    assert names == ["Form Test", "Local Thing (Local)", "BareParser"]
    real = [entry.name for entry in picker_entries(default_registry())]
    assert "Text Generation" in real and "Text Generation (Local)" in real
    assert "HuggingFaceTextGenerationRemoteInference" not in real  # an alias of "Text Generation"
    assert len(real) == len(set(real))


async def pick(*keys: str, current: str | None = None, click: int | None = None) -> tuple[list[Any], Any]:
    screen = ModelPickerScreen(make_registry(), current)
    app = HostApp(screen=screen)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        if click is not None:
            options = screen.query_one(OptionList)
            await pilot.click(options, offset=(4, click))
            await pilot.pause()
        shown = [e.name for e in screen.shown]
    return app.results, shown


async def test_picker_filter_as_you_type_and_choose_with_enter() -> None:
    results, shown = await pick(*"local", "enter")
    assert results == ["Local Thing (Local)"]
    results, shown = await pick(*"tiny summ")  # words match anywhere: default model, task
    assert shown == ["Local Thing (Local)"] and results == []
    results, shown = await pick(*"bare", "enter")
    assert results == ["BareParser"]


async def test_picker_arrows_escape_and_no_match() -> None:
    assert (await pick("down", "enter"))[0] == ["Local Thing (Local)"]
    assert (await pick("escape"))[0] == [None]
    results, shown = await pick(*"zzz", "enter")
    assert shown == [] and results == []  # nothing to choose: the picker stays open


async def test_picker_starts_on_the_current_model_even_by_alias() -> None:
    assert (await pick("enter", current="BareParser"))[0] == ["BareParser"]
    assert (await pick("enter", current="LocalThing"))[0] == ["Local Thing (Local)"]


async def test_picker_click_chooses() -> None:
    # Options are three lines each (name, id/default model, description) below the list's one-line
    # border: line 4 is the second option.
    results, _ = await pick(click=4)
    assert results == ["Local Thing (Local)"]


async def test_read_only_sidebar_and_global_parameters_cannot_edit() -> None:
    notebook = make_notebook()
    app = HostApp(CellSidebar(notebook, notebook.prompt("ask"), read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        field = app.query_one(SettingsForm).field("temperature").query_one(Input)
        assert field.is_disabled  # inherited from the disabled form
        await pilot.click(field)
        await pilot.press(*"1.5")
        await pilot.pause()
        assert settings(notebook) == {}
        assert app.query_one(ParamsEditor).query_one("#params-new-name", Input).is_disabled
        app.query_one(CellSidebar).show_tab("resolved")
        await pilot.pause()
        assert preview_text(app) == "Tell me about Paris and ."  # the preview still works
    screen = GlobalParamsScreen(notebook, read_only=True)
    app = HostApp(screen=screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen.query_one(ParamsEditor).row("city").query_one(TextArea).is_disabled
        await pilot.press(*"xyz", "escape")
        await pilot.pause()
    assert notebook.doc.metadata.parameters == {"city": "Paris"} and app.results == [None]
    assert not notebook.dirty


async def test_a_long_schema_shows_the_first_and_the_set_fields_and_the_rest_on_request() -> None:
    from panel_kit import FormParser
    from textual.widgets import Button

    from tui_notebook.ui.settings_form import COMMON_FIELDS, SettingField

    class LongParser(FormParser):
        id = "LongParser"
        label = "Long"
        settings_schema = {"type": "object",
                           "properties": {f"s{i:02d}": {"type": "integer", "default": i} for i in range(30)}}

    notebook = make_notebook()
    notebook.registry.register(LongParser())
    notebook.set_model(0, "LongParser")
    notebook.set_setting(0, "s25", 7)
    app = form_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.query_one(SettingsForm)
        keys = [f.spec.key for f in form.query(SettingField)]
        assert keys == [f"s{i:02d}" for i in range(COMMON_FIELDS)] + ["s25"]  # the set one is not hidden
        button = form.query_one("#more-settings", Button)
        assert str(button.label) == f"Show {30 - COMMON_FIELDS - 1} more settings"
        await pilot.click("#more-settings")
        await pilot.pause()
        assert [f.spec.key for f in form.query(SettingField)] == [f"s{i:02d}" for i in range(30)]  # schema order
        assert not form.query("#more-settings")
        assert app.focused is form.field(f"s{COMMON_FIELDS:02d}").query_one(Input)
        await type_into(pilot, form.field("s29").query_one(Input), "3")
        assert settings(notebook) == {"s25": 7, "s29": 3}
        form.sync()  # a re-read finds every field
        await pilot.pause()
        assert form.field("s25").query_one(Input).value == "7"
