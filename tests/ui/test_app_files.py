"""Save, quit with unsaved changes, external changes, read-only mode, keymap/help/panels wiring."""

from __future__ import annotations

from pathlib import Path

from fixtures.ui_app import notifications, wait_for

from tui_notebook.document import dumps, load_path
from tui_notebook.ui.dialogs import ExternalChangeScreen, QuitScreen


async def test_ctrl_s_saves_in_sdk_format(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("b", "enter", *"second", "escape")
        await pilot.pause()
        assert app.notebook.dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
        path = app.notebook.path
        assert path.read_text() == dumps(app.notebook.doc, "json")
        assert [p.name for p in load_path(path).doc.prompts] == ["p1", "prompt_2"]
        assert load_path(path).doc.prompts[1].input == "second"
        assert not app.notebook.dirty
        assert "●" not in str(app.header.title_text())


async def test_save_while_editing_includes_the_editor_text(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter", *" more", "ctrl+s")
        await pilot.pause()
        assert load_path(app.notebook.path).doc.prompts[0].input == "one more"


async def test_new_file_is_written_on_first_save(tmp_path):
    from fixtures.ui_app import open_notebook

    from tui_notebook.ui.app import TuinbApp

    path = tmp_path / "fresh.aiconfig.json"
    app = TuinbApp(open_notebook(path))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not path.exists()
        await pilot.press("b", "ctrl+s")
        await pilot.pause()
        assert path.exists() and len(load_path(path).doc.prompts) == 1


async def test_quit_with_unsaved_changes_asks(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        app.screen.dismiss("cancel")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, QuitScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        app.screen.dismiss("save")
        await pilot.pause()
    assert app.return_value == 0
    assert len(load_path(app.notebook.path).doc.prompts) == 2


async def test_quit_discard_leaves_file_alone(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        before = app.notebook.path.read_text()
        await pilot.press("b", "ctrl+q")
        await pilot.pause()
        app.screen.dismiss("discard")
        await pilot.pause()
    assert app.notebook.path.read_text() == before


async def test_quit_when_clean_exits_at_once(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not isinstance(app.screen, QuitScreen)
    assert app.return_value == 0


async def test_external_change_asks_then_overwrite(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        path = app.notebook.path
        path.write_text(path.read_text().replace('"one"', '"changed elsewhere"'))
        await pilot.press("b", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExternalChangeScreen)
        assert "changed elsewhere" in path.read_text()
        app.screen.dismiss("overwrite")
        await pilot.pause()
        assert path.read_text() == dumps(app.notebook.doc, "json")


async def test_external_change_reload(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        path = app.notebook.path
        path.write_text(path.read_text().replace('"one"', '"changed elsewhere"'))
        await pilot.press("b", "ctrl+s")
        await pilot.pause()
        app.screen.dismiss("reload")
        await wait_for(pilot, lambda: len(app.view.cell_widgets()) == 1, message="reloaded column")
        assert app.notebook.doc.prompts[0].input == "changed elsewhere"
        # the rebuilt cell draws its input when it is mounted, which may be a moment after the column has it
        await wait_for(pilot, lambda: "changed elsewhere" in str(app.view.cell_widgets()[0]._input.render()),
                       message="the reloaded input on screen")


async def test_read_only_refuses_edits_runs_and_saves(make_app):
    app = make_app((("p1", "one", "test-echo"), ("p2", "two", "test-echo")), read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        before = app.notebook.path.read_text()
        assert "read-only" in str(app.header.title_text())
        await pilot.press("b", "a", "d", "d", "x", "alt+down", "enter", "n")
        await pilot.pause()
        assert app.notebook.names() == ["p1", "p2"] and app.focused is app.view
        await pilot.press("r", "A", "ctrl+s")
        await pilot.pause(0.2)
        assert app.notebook.doc.prompts[0].outputs == []
        assert app.runs.active_count() == 0
        assert any("Read-only" in m for m in notifications(app))
        assert app.notebook.path.read_text() == before
        await pilot.press("j")
        await pilot.pause()
        assert app.view.current == 1  # viewing still works
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_value == 0


async def test_read_only_panels_show_parameters_and_model_settings_without_editing(make_app):
    from tui_notebook.ui.global_models import GlobalModelsScreen
    from tui_notebook.ui.params_editor import ParamsEditor
    from tui_notebook.ui.params_panel import GlobalParamsScreen
    from tui_notebook.ui.settings_form import SettingsForm

    app = make_app((("p1", "one {{x}}", "test-echo"),), parameters={"x": "1"}, outputs={"p1": "kept"},
                   read_only=True)
    app.notebook.doc.metadata.models = {"test-echo": {"k": "v"}}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, GlobalParamsScreen)
        assert app.screen.query_one(ParamsEditor).disabled  # was editable in --read-only
        await pilot.press("escape", "M")
        await pilot.pause()
        assert isinstance(app.screen, GlobalModelsScreen) and app.screen.query_one(SettingsForm).disabled
        await pilot.press("escape", "alt+o", "y")
        await pilot.pause()
        assert app.notebook.doc.prompts[0].outputs and not app.notebook.dirty


async def test_keymap_with_the_old_undo_delete_id_remaps_undo(make_app):
    app = make_app((("p1", "one", "test-echo"), ("p2", "two", "test-echo")), keymap={"undo-delete": "u"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("d", "d")
        await pilot.pause()
        assert app.notebook.names() == ["p2"]
        await pilot.press("u")
        await pilot.pause()
        assert app.notebook.names() == ["p1", "p2"]


async def test_keymap_remaps_by_binding_id(make_app):
    app = make_app((("p1", "one", "test-echo"),), keymap={"run-cell": "f5", "add-below": "o"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r", "b")
        await pilot.pause(0.2)
        assert app.notebook.doc.prompts[0].outputs == [] and len(app.notebook.doc.prompts) == 1
        await pilot.press("o")
        await pilot.pause()
        assert len(app.notebook.doc.prompts) == 2
        await pilot.press("k", "f5")
        await wait_for(pilot, lambda: bool(app.notebook.doc.prompts[0].outputs), message="f5 ran the cell")


async def test_help_lists_every_binding_with_effective_keys(make_app):
    from tui_notebook.ui import keys
    from tui_notebook.ui.help_screen import HelpScreen

    app = make_app(keymap={"run-cell": "f5"})
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.content.plain
        for spec in keys.KEYS:
            assert spec.id in text
        assert "f5" in text and "d d" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Binding id" in app.screen.query_one("#help-table").render().plain  # shown again, whole


async def test_footer_shows_command_keys_then_edit_keys(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        ids = {b.binding.id for b in app.active_bindings.values() if b.binding.show}
        assert {"run-cell", "add-below", "toggle-sidebar", "save"} <= ids
        await pilot.press("enter")
        await pilot.pause()
        ids = {b.binding.id for b in app.active_bindings.values() if b.binding.show}
        assert "leave-edit" in ids and "run-from-editor" in ids and "run-cell" not in ids


async def test_key_hints_follow_the_mode_and_a_click_presses_the_key(make_app):
    from tui_notebook.ui.help_screen import HelpScreen
    from tui_notebook.ui.key_hints import KeyHints

    app = make_app(keymap={"run-cell": "f5"})
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        hints = app.query_one(KeyHints)
        shown = {h.description: h.shown for h in hints.hints}
        assert shown["Run"] == "f5" and shown["Help"] == "?" and hints.palette.shown == "^p"
        line = hints.render().plain
        assert "f5 Run" in line and line.rstrip().endswith("▏^p palette")
        await pilot.press("enter")
        await pilot.pause()
        assert "Command mode" in {h.description for h in hints.hints}
        assert "Add cell" not in {h.description for h in hints.hints}
        await pilot.press("escape")
        await pilot.pause()
        start = hints.render().plain.index(" ? Help")
        await pilot.click(KeyHints, offset=(start + 2, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_after_start_the_help_is_ready_and_long_lived_objects_leave_the_collector(make_app):
    import gc

    app = make_app()
    assert gc.get_freeze_count() == 0
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(1.3)
        assert app.is_screen_installed("help") and app.get_screen("help").is_mounted  # built before the first ?
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0  # unfrozen when the app ends


async def test_the_help_is_laid_out_before_its_first_show(make_app, monkeypatch):
    """Shown at size zero, the help was arranged three times in a row around its first frame (4 frames)."""
    from tui_notebook.ui.help_screen import HelpScreen

    steps: list[str] = []
    layout, paint = HelpScreen._refresh_layout, HelpScreen._compositor_refresh
    monkeypatch.setattr(HelpScreen, "_refresh_layout", lambda self, *a, **k: steps.append("layout") or layout(self, *a, **k))
    monkeypatch.setattr(HelpScreen, "_compositor_refresh", lambda self: steps.append("paint") or paint(self))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        # arranged while hidden, once the app has settled (about a second after start; longer on a busy machine)
        await wait_for(pilot, lambda: app.is_screen_installed("help") and app.get_screen("help").outer_size == app.size,
                       timeout=10, message="the help laid out")
        help_screen = app.get_screen("help")
        assert not help_screen.is_current
        await pilot.pause(0.2)
        steps.clear()
        await pilot.press("question_mark")
        await pilot.pause(0.3)
        assert app.screen is help_screen
        assert steps.count("layout") <= 1 and steps.count("paint") <= 2, steps


async def test_model_picker_applies_the_choice(make_app):
    from tui_notebook.ui.model_picker import ModelPickerScreen

    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ModelPickerScreen)
        app.screen.dismiss("Text Generation")
        await pilot.pause()
        assert app.notebook.doc.prompts[0].metadata.model == "Text Generation"
        assert "Text Generation" in str(app.view.current_cell().header_text())


async def test_global_params_and_sidebar_open(make_app):
    from tui_notebook.ui.params_panel import GlobalParamsScreen
    from tui_notebook.ui.sidebar import CellSidebar

    app = make_app((("p1", "one", "test-echo"), ("p2", "two", "test-echo")))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, GlobalParamsScreen)
        app.screen.dismiss(None)
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        sidebar = app.query_one(CellSidebar)
        assert sidebar.display and sidebar.prompt is app.notebook.doc.prompts[0]
        await pilot.press("escape", "j")  # s puts the focus in the sidebar; escape gives it back to the cells
        await pilot.pause()
        assert sidebar.prompt is app.notebook.doc.prompts[1]
        await pilot.press("s")
        await pilot.pause()
        assert not sidebar.display


def test_starting_the_ui_imports_no_ml_stack(tmp_path):
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(f"""
        import asyncio, sys
        from tui_notebook.notebook import Notebook
        from tui_notebook.ui.app import TuinbApp

        async def main():
            app = TuinbApp(Notebook.open({str(tmp_path / 'x.aiconfig.json')!r}))
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.press("b", "j", "question_mark")
                await pilot.pause()
        asyncio.run(main())
        heavy = [m for m in ("torch", "transformers", "diffusers", "sounddevice", "huggingface_hub.inference._client")
                 if m in sys.modules]
        print(heavy)
        sys.exit(1 if heavy else 0)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


async def _save_as(pilot, app, name: str) -> None:
    from textual.widgets import Input

    from tui_notebook.ui.dialogs import SaveAsScreen

    await wait_for(pilot, lambda: isinstance(app.screen, SaveAsScreen), message="the save-as dialog")
    box = app.screen.query_one("#path", Input)
    box.value = ""
    await pilot.press(*name, "enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, SaveAsScreen), message="the dialog closed")


async def test_ctrl_shift_s_saves_under_a_new_name_and_goes_on_editing_that_file(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        original = app.notebook.path
        before = original.read_text()
        await pilot.press("b", "enter", *"second", "escape")
        await pilot.press("ctrl+shift+s")
        await _save_as(pilot, app, "copy")
        copy = original.with_name("copy.aiconfig.json")
        assert app.notebook.path == copy and not app.notebook.dirty
        assert [p.name for p in load_path(copy).doc.prompts] == ["p1", "prompt_2"]
        assert original.read_text() == before  # the old file stays as it was
        await pilot.pause()
        assert "copy.aiconfig.json" in str(app.header.title_text())
        await pilot.press("b", "ctrl+s")  # the next plain save goes to the new file
        await pilot.pause()
        assert len(load_path(copy).doc.prompts) == 3 and original.read_text() == before


async def test_save_as_from_the_command_palette_and_with_alt_s(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        original = app.notebook.path
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"save as")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await _save_as(pilot, app, "from-palette")
        assert app.notebook.path == original.with_name("from-palette.aiconfig.json")
        assert app.notebook.path.exists()
        await pilot.press("alt+s")  # the key every terminal can send
        await _save_as(pilot, app, "from-alt-s")
        assert app.notebook.path == original.with_name("from-alt-s.aiconfig.json") and app.notebook.path.exists()


async def test_save_as_in_a_read_only_notebook_is_refused(make_app):
    from tui_notebook.ui.dialogs import SaveAsScreen

    app = make_app((("p1", "one", "test-echo"),), read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+shift+s")
        await pilot.pause()
        assert not isinstance(app.screen, SaveAsScreen)
        assert any("Read-only" in text for text in notifications(app))


async def test_undoing_every_edit_leaves_nothing_unsaved(make_app):
    app = make_app((("p1", "one", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await wait_for(pilot, lambda: "●" in str(app.header.title_text()), message="the unsaved marker")
        await pilot.press("z")
        await wait_for(pilot, lambda: len(app.notebook.doc.prompts) == 1, message="the edit undone")
        await wait_for(pilot, lambda: "●" not in str(app.header.title_text()), message="the marker gone")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not isinstance(app.screen, QuitScreen)
    assert app.return_value == 0


async def test_save_as_names_the_folder_relative_names_go_in(tmp_path, monkeypatch):
    from fixtures.ui_app import open_notebook

    from tui_notebook.ui.app import TuinbApp
    from tui_notebook.ui.dialogs import SaveAsScreen

    folder = tmp_path / "work\x1b[31m"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(folder)
    app = TuinbApp(open_notebook(Path("n.aiconfig.json")))  # opened by a relative name
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+shift+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveAsScreen), message="the save-as dialog")
        shown = str(app.screen.query_one("#message").render())
        assert "relative names go in ~/work" in shown and "\x1b" not in shown, shown
        assert " in .:" not in shown
