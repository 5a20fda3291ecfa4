"""Global model settings (``M``), clearing every output (``alt+o``) and copying a cell's output (``y``)."""

from __future__ import annotations

from panel_kit import HostApp, make_notebook, no_cursor_blink, type_into  # noqa: F401
from textual.widgets import Input, Static, TextArea

from tui_notebook.notebook import Notebook
from tui_notebook.parser_api import text_output
from tui_notebook.ui.dialogs import ConfirmScreen
from tui_notebook.ui.global_models import GlobalModelsScreen, ModelList
from tui_notebook.ui.model_picker import ModelPickerScreen
from tui_notebook.ui.settings_form import SettingsForm
from tui_notebook.ui.sidebar import CellSidebar

from fixtures.ui_app import notifications, wait_for

SIZE = (120, 50)


def models_notebook() -> Notebook:
    """make_notebook's cells ("ask" on Form Test, "bare" on BareParser) with global settings for both."""
    notebook = make_notebook()
    notebook.doc.metadata.models = {"Form Test": {"temperature": 0.3}, "BareParser": {"x": 1}}
    notebook.doc.metadata.default_model = "Form Test"
    notebook.saved_revision = notebook.revision
    return notebook


def screen_app(notebook: Notebook, **kwargs) -> HostApp:  # noqa: ANN003
    return HostApp(screen=GlobalModelsScreen(notebook, **kwargs))


def labels(app: HostApp) -> list[str]:
    listing = app.screen.query_one(ModelList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


def form(app: HostApp) -> SettingsForm:
    return app.screen.query_one(SettingsForm)


async def test_lists_the_models_with_default_parser_cells_and_settings_counts() -> None:
    notebook = models_notebook()
    notebook.add_prompt(name="third", model="Form Test", input="again")
    app = screen_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first, second = labels(app)
        assert first.startswith("★ Form Test") and "2 cells" in first and "1 setting" in first
        assert second.startswith("  BareParser") and "1 cell" in second
        # the highlighted model's settings, in its schema form, the global value in its field
        assert form(app).target.model() == "Form Test"
        assert form(app).field("temperature").query_one(Input).value == "0.3"
        assert app.screen.focused is app.screen.query_one(ModelList)


async def test_editing_a_field_writes_the_global_entry_and_reset_removes_the_key() -> None:
    notebook = models_notebook()
    app = screen_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_into(pilot, form(app).field("max_new_tokens").query_one(Input), "64")
        assert notebook.doc.metadata.models["Form Test"] == {"temperature": 0.3, "max_new_tokens": 64}
        await type_into(pilot, form(app).field("temperature").query_one(Input), "")
        assert notebook.doc.metadata.models["Form Test"] == {"max_new_tokens": 64}
        assert notebook.dirty
        # the cells' own settings are untouched: only metadata.models changed
        assert notebook.prompt("ask").metadata.model == "Form Test"
        await pilot.pause()
        assert "1 setting" in labels(app)[0]  # the list follows


async def test_moving_through_the_list_shows_each_models_form_and_enter_goes_to_it() -> None:
    notebook = models_notebook()
    app = screen_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()
        assert form(app).target.model() == "BareParser"
        # BareParser declares no schema: its settings are one JSON object
        assert '"x": 1' in app.screen.query_one("#other-json", TextArea).text
        await pilot.press("up", "down", "up")  # quick moves mount forms before the old ones are gone
        await pilot.pause()
        assert [f.target.model() for f in app.screen.query(SettingsForm)] == ["Form Test"]
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.focused is form(app).field("model").query_one(Input)


async def test_add_offers_the_notebooks_own_models_first_and_any_typed_name() -> None:
    notebook = models_notebook()
    notebook.doc.metadata.models = {}
    app = screen_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No global model settings yet" in str(app.screen.query_one(".empty", Static).content)
        await pilot.press("a")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ModelPickerScreen)
        assert [e.name for e in picker.shown[:2]] == ["Form Test", "BareParser"]  # the cells' models
        await pilot.press(*"my-endpoint")
        await pilot.pause()
        assert picker.shown[-1].name == "my-endpoint"  # no parser has that name: offered as typed
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GlobalModelsScreen) and app.screen.query(SettingsForm))
        assert list(notebook.global_models()) == ["my-endpoint"]
        assert notebook.global_models()["my-endpoint"] == {}
        assert "no parser registered" in labels(app)[0]
        # the new entry's settings are what comes next: focus is in its (JSON) form
        assert app.screen.focused is app.screen.query_one("#other-json", TextArea)
        app.screen.query_one(ModelList).focus()
        await pilot.press("a")
        await pilot.pause()
        assert "my-endpoint" not in [e.name for e in app.screen.shown]  # already has settings
        await pilot.press("escape")
        await pilot.pause()
        assert list(notebook.global_models()) == ["my-endpoint"]


async def test_delete_and_undo_put_the_entry_back_where_it_was() -> None:
    notebook = models_notebook()
    app = screen_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert list(notebook.global_models()) == ["BareParser"]
        assert any("z to undo" in n for n in notifications(app))
        assert form(app).target.model() == "BareParser"
        await pilot.press("z")
        await pilot.pause()
        assert notebook.global_models() == {"Form Test": {"temperature": 0.3}, "BareParser": {"x": 1}}
        assert form(app).target.model() == "Form Test"


async def test_the_lists_keys_follow_the_users_keymap() -> None:
    notebook = models_notebook()
    app = screen_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        app.set_keymap({"models-delete": "x"})
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert len(notebook.global_models()) == 2  # d is no longer bound
        await pilot.press("x")
        await pilot.pause()
        assert list(notebook.global_models()) == ["BareParser"]


async def test_star_makes_the_highlighted_model_the_default_and_again_clears_it() -> None:
    notebook = models_notebook()
    notebook.add_prompt(name="modelless", model=None, input="hi")
    app = screen_app(notebook)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "asterisk")
        await pilot.pause()
        assert notebook.doc.metadata.default_model == "BareParser"
        assert labels(app)[1].startswith("★ BareParser") and labels(app)[0].startswith("  Form Test")
        assert "2 cells" in labels(app)[1]  # the model-less cell now runs it
        await pilot.press("asterisk")
        await pilot.pause()
        assert notebook.doc.metadata.default_model is None
        assert any("1 cell naming no model cannot run" in n for n in notifications(app))


async def test_read_only_shows_the_settings_and_changes_nothing() -> None:
    notebook = models_notebook()
    app = screen_app(notebook, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert form(app).disabled
        await pilot.press("d", "a", "asterisk")
        await pilot.pause()
        assert isinstance(app.screen, GlobalModelsScreen)  # no picker
        assert notebook.global_models() == {"Form Test": {"temperature": 0.3}, "BareParser": {"x": 1}}
        assert notebook.doc.metadata.default_model == "Form Test"
        assert not notebook.dirty
        assert any("Read-only" in n for n in notifications(app))


async def test_a_global_edit_shows_up_in_the_cells_sidebar_as_the_inherited_value() -> None:
    notebook = models_notebook()
    app = HostApp(CellSidebar(notebook, notebook.prompt("ask")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        field = app.query_one(SettingsForm).field("temperature").query_one(Input)
        assert field.placeholder == "global: 0.3"
        notebook.set_global_setting("Form Test", "temperature", 0.9)
        await pilot.pause()
        assert field.placeholder == "global: 0.9"
        notebook.set_global_setting("Form Test", "temperature", None)
        await pilot.pause()
        assert field.placeholder == "default: 1.0"  # the schema default, once no global value is left


# -- in the app ------------------------------------------------------------------------------------------------


async def test_M_opens_the_global_settings_on_the_current_cells_model(make_app) -> None:
    app = make_app((("p1", "hello", "test-echo"), ("p2", "two", "other-model")))
    app.notebook.doc.metadata.models = {"other-model": {}, "test-echo": {"k": "v"}}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, GlobalModelsScreen)
        assert app.screen.selected == "test-echo"  # the current cell's model, though it is listed second
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("j", "M")
        await pilot.pause()
        assert app.screen.selected == "other-model"


async def test_alt_o_clears_every_output_after_asking(make_app) -> None:
    app = make_app((("p1", "a", "test-echo"), ("p2", "b", "test-echo"), ("p3", "c", "test-echo")),
                   outputs={"p1": "one", "p3": "three"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("alt+o")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "2 cells" in app.screen.message
        await pilot.press("n")
        await pilot.pause()
        assert [bool(p.outputs) for p in app.notebook.doc.prompts] == [True, False, True]
        await pilot.press("alt+o", "y")
        await pilot.pause()
        assert [bool(p.outputs) for p in app.notebook.doc.prompts] == [False, False, False]
        assert app.notebook.dirty
        await pilot.press("alt+o")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert "No cell has outputs." in notifications(app)


async def test_y_copies_the_cells_text_outputs(make_app) -> None:
    app = make_app((("p1", "a", "test-echo"), ("p2", "b", "test-echo")), outputs={"p1": "the answer"})
    app.notebook.doc.prompts[0].outputs.append(text_output("and more", 1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == "the answer\n\nand more"
        assert any("Copied 20 characters" in n for n in notifications(app))
        await pilot.press("j", "y")
        await pilot.pause()
        assert app.clipboard == "the answer\n\nand more"  # nothing to copy: the clipboard keeps its text
        assert any("no text output" in n for n in notifications(app))


def test_copyable_text_keeps_text_errors_and_data_and_skips_media() -> None:
    from tui_notebook.document.models import Error, ExecuteResult, OutputDataWithStringValue
    from tui_notebook.ui.outputs import copyable_text

    outputs = [
        text_output("plain"),
        ExecuteResult(output_type="execute_result", execution_count=1, mime_type="image/png", metadata={},
                      data=OutputDataWithStringValue(kind="base64", value="iVBORw0KGgo=")),
        Error(output_type="error", ename="ValueError", evalue="bad input", traceback=[]),
        ExecuteResult(output_type="execute_result", execution_count=2, data={"label": "POSITIVE", "score": 0.9}, metadata={}),
    ]
    assert copyable_text(outputs) == 'plain\n\nValueError: bad input\n\n{\n  "label": "POSITIVE",\n  "score": 0.9\n}'
    assert copyable_text(outputs[1:2]) is None
    assert copyable_text([]) is None
