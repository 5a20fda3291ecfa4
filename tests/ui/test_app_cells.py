"""Command-mode cell editing: navigation, add, delete/undo, cut/copy/paste, move, rename, edit."""

from __future__ import annotations

from textual import events

from tui_notebook.document import ModelMetadata
from tui_notebook.ui.cell import Cell, RenameInput

from fixtures.ui_app import burst, notifications, wait_for

THREE = (("p1", "one", "test-echo"), ("p2", "two {{x}}", "test-echo"), ("p3", "three", None))


async def test_navigation_moves_current_cell_and_highlight(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        view = app.view
        assert view.current == 0
        await pilot.press("j")
        assert view.current == 1
        await pilot.press("down", "down", "down")
        assert view.current == 2  # clamped at the last cell
        await pilot.press("k")
        assert view.current == 1
        await pilot.press("up", "up")
        assert view.current == 0
        await pilot.press("end")
        assert view.current == 2
        await pilot.pause()
        current = [c for c in view.cell_widgets() if c.is_current]
        assert [c.prompt.name for c in current] == ["p3"]


async def test_add_below_and_above_inherit_the_source_cells_model(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        nb = app.notebook
        await pilot.press("b")
        await pilot.pause()
        assert len(nb.doc.prompts) == 4
        assert app.view.current == 1
        new = nb.doc.prompts[1]
        assert new.metadata.model == "test-echo"
        await pilot.press("a")
        await pilot.pause()
        assert app.view.current == 1
        assert nb.doc.prompts[1].metadata.model == "test-echo"
        assert nb.doc.prompts[2] is new
        # ready for enter: the new cell is current and in the column
        assert app.view.current_cell() is not None and app.view.current_cell().prompt is nb.doc.prompts[1]
        assert nb.dirty


async def test_add_on_empty_notebook_uses_default_model(tmp_path, make_app):
    from tui_notebook.notebook import Notebook
    from tui_notebook.ui.app import TuinbApp

    from fixtures.ui_app import EchoParser

    nb = Notebook.open(tmp_path / "new.aiconfig.json")
    nb.registry.register(EchoParser())
    nb.doc.metadata.default_model = "test-echo"
    app = TuinbApp(nb)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert nb.doc.prompts == []
        await pilot.press("b")
        await pilot.pause()
        assert len(nb.doc.prompts) == 1
        assert nb.doc.prompts[0].metadata.model == "test-echo"
        assert len(app.view.cell_widgets()) == 1
        await pilot.press("enter")
        await pilot.press(*"hi")
        await pilot.press("escape")
        await pilot.pause()
        assert nb.doc.prompts[0].input == "hi"


async def test_new_cell_copies_the_model_setting_of_its_source(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        app.notebook.set_setting(0, "model", "/models/tiny")
        await pilot.press("b")
        await pilot.pause()
        meta = app.notebook.doc.prompts[1].metadata.model
        assert isinstance(meta, ModelMetadata) and meta.name == "test-echo" and meta.settings == {"model": "/models/tiny"}


async def test_delete_needs_two_presses_and_z_undoes(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        nb = app.notebook
        await pilot.press("j", "d")
        assert nb.names() == ["p1", "p2", "p3"]  # one press only arms the chord
        await pilot.press("j", "d")  # another key in between disarms it
        assert nb.names() == ["p1", "p2", "p3"]
        await pilot.press("k", "d", "d")
        await pilot.pause()
        assert nb.names() == ["p1", "p3"]
        assert any("undo" in m for m in notifications(app))
        await pilot.press("z")
        await pilot.pause()
        assert nb.names() == ["p1", "p2", "p3"]
        assert app.view.current == 1
        assert nb.doc.prompts[1].input == "two {{x}}"


async def test_z_and_Z_undo_and_redo_any_edit_in_stack_order(make_app):
    app = make_app(THREE, outputs={"p1": "first answer"})
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        nb = app.notebook
        nb.set_setting(0, "temperature", 0.4)
        deleted = nb.doc.prompts[2]
        await pilot.press("end", "d", "d", "home", "alt+down")  # delete p3, move p1 below p2
        await pilot.pause()
        assert nb.names() == ["p2", "p1"]
        await pilot.press("alt+o", "y")  # clear every output (asks first)
        await pilot.pause()
        assert all(not p.outputs for p in nb.doc.prompts)
        await pilot.press("z")
        await pilot.pause()
        assert nb.prompt("p1").outputs[0].data == "first answer"
        await pilot.press("z", "z")
        await pilot.pause()
        assert nb.names() == ["p1", "p2", "p3"] and nb.doc.prompts[2] is deleted  # the cell itself, back
        assert app.view.current == 2  # on the cell the step was about
        assert any("Undone: delete cell 'p3'" in m for m in notifications(app))
        await pilot.press("Z")
        await pilot.pause()
        assert nb.names() == ["p1", "p2"]
        await pilot.press("z", "z")
        await pilot.pause()
        assert nb.prompt("p1").metadata.model == "test-echo"  # the setting made before the app ran, undone
        await pilot.press("z")
        await pilot.pause()
        assert "Nothing to undo." in notifications(app)
        cell = app.view.cell_widgets()[2]
        assert cell.prompt is deleted and "three" in str(cell._input.render())


async def test_changing_a_model_clears_its_settings_and_z_brings_them_back(make_app):
    app = make_app(THREE, parsers=())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        nb = app.notebook
        nb.set_setting(0, "max_new_tokens", 9)
        nb.set_model(0, "Summarization")
        assert nb.doc.prompts[0].metadata.model == "Summarization"
        await pilot.press("z")
        await pilot.pause()
        assert nb.doc.prompts[0].metadata.model.settings == {"max_new_tokens": 9}
        assert "test-echo" in str(app.view.current_cell().header_text())


async def test_cut_copy_paste(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        nb = app.notebook
        await pilot.press("c", "j", "j", "v")
        await pilot.pause()
        assert nb.names() == ["p1", "p2", "p3", "p1_2"]
        assert nb.doc.prompts[3].input == "one"
        assert app.view.current == 3
        await pilot.press("k", "x")
        await pilot.pause()
        assert nb.names() == ["p1", "p2", "p1_2"]
        await pilot.press("home", "v")
        await pilot.pause()
        assert nb.names() == ["p1", "p3", "p2", "p1_2"]


async def test_move_cell_with_alt_arrows(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("alt+down")
        await pilot.pause()
        assert app.notebook.names() == ["p2", "p1", "p3"]
        assert app.view.current == 1
        await pilot.press("alt+down", "alt+down")
        await pilot.pause()
        assert app.notebook.names() == ["p2", "p3", "p1"]
        await pilot.press("alt+up")
        await pilot.pause()
        assert app.notebook.names() == ["p2", "p1", "p3"]
        widgets = [c.prompt.name for c in app.view.cell_widgets()]
        assert widgets == ["p2", "p1", "p3"]


async def test_rename_inline_and_duplicate_refused(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        # keys sent before the rename box has the focus are dropped (not run as commands): wait for it
        await wait_for(pilot, lambda: isinstance(app.focused, RenameInput), message="the rename box focused")
        await pilot.press("ctrl+u", *"intro", "enter")
        await pilot.pause()
        assert app.notebook.names()[0] == "intro"
        assert app.focused is app.view
        header = app.view.current_cell()._header.render()
        assert "intro" in str(header)
        await pilot.press("j", "n")
        await wait_for(pilot, lambda: isinstance(app.focused, RenameInput), message="the rename box focused")
        await pilot.press("ctrl+u", *"intro", "enter")
        await pilot.pause()
        assert app.notebook.names() == ["intro", "p2", "p3"]
        assert any("already exists" in m for m in notifications(app))
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.view


async def test_edit_input_then_escape_updates_document(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("j", "enter")
        await pilot.pause()
        editor = app.view.current_cell()._editor
        assert editor is not None and app.focused is editor
        assert any(h[2] == "template" for h in editor._highlights[0])  # {{x}} highlighted
        await pilot.press(*" and {{y}}")
        await pilot.press("enter", *"line 2", "escape")
        await pilot.pause()
        assert app.notebook.doc.prompts[1].input == "two {{x}} and {{y}}\nline 2"
        assert app.focused is app.view
        assert app.view.current_cell()._editor is None
        assert app.notebook.dirty


async def test_header_shows_name_path_dirty_and_edits_name(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        title = str(app.header.title_text())
        assert "Test notebook" in title and "t.aiconfig.json" in title and "●" not in title
        await pilot.press("N")
        await pilot.pause()
        await pilot.press("ctrl+u", *"Renamed", "enter")
        await pilot.pause()
        assert app.notebook.doc.name == "Renamed"
        assert "●" in str(app.header.title_text())
        await pilot.press("E")
        await pilot.pause()
        await pilot.press(*" More.", "escape")
        await pilot.pause()
        assert app.notebook.doc.description == "A *test* notebook. More."


async def test_scrolling_a_thousand_cells_builds_the_cells_in_view_without_moving_the_cursor(make_app):
    cells = [(f"c{i}", f"prompt number {i}", "test-echo") for i in range(1000)]
    app = make_app(cells)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        view = app.view
        assert view.current == 0 and not any(c.prompt.name == "c500" for c in view.cell_widgets())
        def target() -> int:  # where cell 500's stub line is in the middle of the view
            stub = next(s for s in view._stubs.values() if s.start <= 500 < s.end)
            return stub.virtual_region.y + (500 - stub.start) - view.scrollable_content_region.height // 2

        while view.scroll_y < target() - 2:  # the mouse wheel, a few lines per step
            for _ in range(min(10, max(1, (target() - round(view.scroll_y)) // 2))):
                view.post_message(events.MouseScrollDown(view, 5, 5, 0, 1, 0, False, False, False, 5, 5))
            await pilot.pause()
        assert view.current == 0
        await wait_for(pilot, lambda: any(c.prompt.name == "c500" for c in view.cell_widgets()),
                       message="the cells in view to be built")
        await pilot.pause(0.3)
        assert view.current == 0  # the cursor stayed where it was
        names = [c.prompt.name for c in view.cell_widgets()]
        assert "c495" in names and "c505" in names and len(view.children) < 60
        shown = view.scrollable_content_region
        built = next(c for c in view.cell_widgets() if c.prompt.name == "c500")
        top = built.virtual_region.y - round(view.scroll_y)
        assert 0 <= top < shown.height  # and it is on screen, not scrolled away
        await pilot.press("j")  # the cursor key brings the window back to the cursor
        await pilot.pause()
        assert view.current == 1 and view.current_cell().prompt.name == "c1"


async def test_thousand_cells_open_windowed_and_navigate(tmp_path, make_app):
    cells = [(f"c{i}", f"prompt number {i}", "test-echo") for i in range(1000)]
    app = make_app(cells)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        view = app.view
        assert len(view.children) < 60  # not 1,000 cell widgets
        assert len(view.cell_widgets()) <= 25
        for _ in range(30):
            await pilot.press("j")
        await pilot.pause()
        assert view.current == 30
        cell = view.current_cell()
        assert isinstance(cell, Cell) and cell.prompt.name == "c30" and cell.is_current
        await pilot.press("end")
        await pilot.pause()
        assert view.current == 999 and view.current_cell().prompt.name == "c999"
        assert len(view.children) < 60
        await pilot.press("k")
        await pilot.pause()
        assert view.current_cell().prompt.name == "c998"


async def test_the_current_cells_bar_takes_the_accent_colour_of_the_theme_in_use(make_app):
    from textual.color import Color

    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        cells = app.view.cell_widgets()

        def bars() -> list[Color]:
            return [c.styles.border_left[1] for c in cells]

        colours = app.theme_variables
        assert bars() == [Color.parse(colours["accent"])] + [Color.parse(colours["panel"])] * 2
        await pilot.press("j")
        assert bars() == [Color.parse(colours["panel"]), Color.parse(colours["accent"]), Color.parse(colours["panel"])]
        assert [c._header.has_class("-current") for c in cells] == [False, True, False]
        before = colours["accent"]
        app.theme = "nord"  # a Textual theme with another accent colour than the default one
        await pilot.pause()
        colours = app.theme_variables
        assert bars()[1] == Color.parse(colours["accent"]) != Color.parse(before)


async def test_entering_and_leaving_edit_mode_restyles_a_few_widgets_not_every_cell(make_app, monkeypatch):
    """Textual restyles a widget's whole subtree when its focus changes; for the column that was every built
    cell (45-80 ms with a dozen cells on this machine) on each enter / escape. And a style of the column that
    differed between focused and not (a no-op tint) made every cell in view draw itself again."""
    from textual.css.stylesheet import Stylesheet
    from textual.widget import Widget

    restyled: list[int] = []
    original = Stylesheet.update_nodes

    def counting(self, nodes, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        nodes = list(nodes)
        restyled.append(len(nodes))
        return original(self, nodes, *args, **kwargs)

    app = make_app([(f"c{i}", f"prompt {i}", "test-echo") for i in range(10)])
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        monkeypatch.setattr(Stylesheet, "update_nodes", counting)
        drawn: list[str] = []
        render_content = Widget._render_content
        monkeypatch.setattr(Widget, "_render_content",
                            lambda self, *a, **k: drawn.append(type(self).__name__) or render_content(self, *a, **k))
        await pilot.press("enter")
        await pilot.pause()
        assert app.view.current_cell().editing
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.view
        assert restyled and max(restyled) < 10, restyled  # ten cells are 50+ widgets
        assert len(drawn) < 20, drawn  # the editor, its cell's parts, the key hints: not every cell in view


async def test_keys_typed_with_enter_reach_the_editor_it_opens(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        burst(app, ["enter", *"abc"])  # a, b, c are also commands (add above/below, copy): they must not run
        await wait_for(pilot, lambda: app.view.current_cell()._editor is not None
                       and app.view.current_cell()._editor.text == "oneabc", message="the editor has the keys")
        assert app.focused is app.view.current_cell()._editor
        assert app.notebook.names() == ["p1", "p2", "p3"]
        burst(app, ["escape", "j", "enter", *"xy", "escape"])
        await wait_for(pilot, lambda: app.notebook.doc.prompts[1].input == "two {{x}}xy", message="second edit")
        assert app.focused is app.view
        assert app.notebook.doc.prompts[0].input == "oneabc"
        # a paste in the middle of typed keys keeps its place; the keys after escape are commands again
        burst(app, ["enter", *"12"])
        app.post_message(events.Paste("<pasted>"))
        burst(app, [*"34", "escape", "j"])
        await wait_for(pilot, lambda: app.view.current == 2, message="j after escape moved the cursor")
        assert app.notebook.doc.prompts[1].input == "two {{x}}xy12<pasted>34"
        assert app.focused is app.view and app.notebook.names() == ["p1", "p2", "p3"]


async def test_a_new_cell_can_be_added_and_typed_into_in_one_burst(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        burst(app, ["b", "enter", *"hi", "escape"])
        await wait_for(pilot, lambda: len(app.notebook.doc.prompts) == 4 and app.notebook.doc.prompts[1].input == "hi"
                       and app.focused is app.view, message="the new cell typed into")
        assert app.notebook.names()[0] == "p1" and app.notebook.doc.prompts[2].name == "p2"


async def test_keys_typed_with_n_reach_the_rename_box(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        burst(app, ["n", *"xa", "enter"])  # the box selects the old name: typing replaces it
        await wait_for(pilot, lambda: app.notebook.names()[0] == "xa", message="renamed with the typed keys")
        assert len(app.notebook.doc.prompts) == 3
        assert app.focused is app.view


async def test_keys_typed_with_a_dialog_key_reach_the_dialog(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        burst(app, ["m", *"ech"])  # the model picker's filter
        await wait_for(pilot, lambda: getattr(app.focused, "id", None) == "filter" and app.focused.value == "ech",
                       message="the picker's filter has the keys")
        burst(app, ["escape", "H", *"hf_x"])  # closes the picker, opens the token dialog
        await wait_for(pilot, lambda: getattr(app.focused, "id", None) == "token" and app.focused.value == "hf_x",
                       message="the token box has the keys")
        assert len(app.notebook.doc.prompts) == 3


async def test_keys_typed_with_the_header_keys_reach_the_header_editors(make_app):
    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        burst(app, ["N", *"Fast", "enter", "E", *" More", "escape", "j"])  # N's box selects the old name
        await wait_for(pilot, lambda: app.view.current == 1, message="j after the description's escape")
        assert app.notebook.doc.name == "Fast"
        assert app.notebook.doc.description == "A *test* notebook. More"
        assert app.focused is app.view and len(app.notebook.doc.prompts) == 3


async def test_a_key_whose_marker_is_lost_delays_the_keys_behind_it_but_loses_none(make_app):
    from tui_notebook.ui.key_order import STUCK_AFTER_S

    app = make_app(THREE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        app.key_gate.in_flight = events.Key("x", "x")  # as if its widget were removed before its marker came back
        burst(app, ["j", "j"])
        await pilot.pause()
        assert app.view.current == 0 and len(app.key_gate.waiting) == 2
        await pilot.pause(STUCK_AFTER_S + 0.3)
        await wait_for(pilot, lambda: app.view.current == 2, message="the held keys went on")
        assert app.key_gate.in_flight is None and not app.key_gate.waiting


async def test_a_key_settling_after_the_app_closed_its_screens_is_dropped(make_app):
    """A key's marker can reach the app after the app has popped its screens on the way out (keys typed just before
    the app exits): the gate drops it instead of asking for a screen that no longer exists."""
    from tui_notebook.ui.key_order import KeySettled

    app = make_app(THREE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    gate = app.key_gate
    key = events.Key("j", None)
    gate.in_flight = key
    assert not app.screen_stack  # closed: Textual's app.screen would raise ScreenStackError now
    gate.settled(KeySettled(key))
    assert gate.in_flight is None and not gate.waiting
