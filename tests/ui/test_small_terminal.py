"""An 80x24 terminal and no colour: the footer keeps Help, Save and Quit, the description gives the cells its
room, cell headers keep the model id, the current cell is marked by a glyph, ctrl+c says how to quit."""

from __future__ import annotations

from fixtures.ui_app import notifications, wait_for, write_notebook, open_notebook

from tui_notebook.ui.app import TuinbApp
from tui_notebook.ui.cell import CURRENT_MARK
from tui_notebook.ui.key_hints import Hint, KeyHints, fitting

LONG_DESCRIPTION = ("A notebook whose description is long enough to wrap over several lines of an eighty "
                    "column terminal, and then some more words so that it takes three or four lines.")


def app_with(tmp_path, cells: int = 3, **kwargs) -> TuinbApp:  # noqa: ANN001, ANN003
    path = write_notebook(tmp_path / "small.aiconfig.json",
                          [(f"p{i}", f"prompt number {i}", "test-echo") for i in range(1, cells + 1)])
    nb = open_notebook(path)
    nb.doc.description = LONG_DESCRIPTION
    return TuinbApp(nb, **kwargs)


def footer_text(app: TuinbApp) -> str:
    return app.screen.query(KeyHints).last().render().plain


async def test_the_footer_keeps_help_save_and_quit_at_80_columns(tmp_path) -> None:
    app = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = footer_text(app)
        assert "? Help" in text and "^s Save" in text and "^q Quit" in text, text
        assert "⏎ Edit" in text  # the first hints stay too, as far as they fit
    app = app_with(tmp_path)
    async with app.run_test(size=(36, 24)) as pilot:  # narrower: the palette hint goes before them
        await pilot.pause()
        text = footer_text(app)
        assert "? Help" in text and "^s Save" in text and "^q Quit" in text and "palette" not in text, text


def test_fitting_drops_the_least_important_hints_first() -> None:
    hints = [Hint("enter", "⏎", "Edit", True, "edit-cell"), Hint("b", "b", "Add", True, "add-below"),
             Hint("ctrl+s", "^s", "Save", True, "save"), Hint("ctrl+q", "^q", "Quit", True, "quit")]
    assert fitting(hints, [10, 10, 10, 10], 30) == [True, False, True, True]
    assert fitting(hints, [10, 10, 10, 10], 40) == [True, True, True, True]
    assert fitting(hints, [10, 10, 10, 10], 15) == [False, False, True, False]


async def test_the_description_takes_one_line_and_goes_once_the_cells_scroll(tmp_path) -> None:
    app = app_with(tmp_path, cells=12)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        description = app.header._description
        assert description.display and description.region.height == 1
        await pilot.press("end")  # the last cell: the column scrolls
        await wait_for(pilot, lambda: app.view.scroll_y > 0 and not description.display,
                       message="description gone while the cells scroll")
        await pilot.press("home")
        await wait_for(pilot, lambda: app.view.scroll_y == 0 and description.display, message="back at the top")
    app = app_with(tmp_path, cells=12)
    async with app.run_test(size=(120, 44)) as pilot:  # a tall terminal has room for all of it
        await pilot.pause()
        assert app.header._description.region.height > 1


async def test_the_current_cell_has_a_gutter_glyph(tmp_path) -> None:
    app = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

        def marked() -> list[bool]:
            return [cell._header.text.plain.startswith(CURRENT_MARK) for cell in app.view.cell_widgets()]

        assert marked() == [True, False, False]
        await pilot.press("j")
        await wait_for(pilot, lambda: marked() == [False, True, False], message="the glyph follows the cursor")


async def test_ctrl_c_says_how_to_quit_in_plain_words(tmp_path) -> None:
    app = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert "Press ^q to quit tuinb." in notifications(app)
        assert not any("[b]" in message for message in notifications(app))


async def test_opening_the_sidebar_refits_the_headers_and_keeps_the_model_ids_end(tmp_path) -> None:
    app = app_with(tmp_path, cells=1)
    app.notebook.set_setting(0, "model", "organisation/model-v2")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cell = app.view.cell_widgets()[0]
        assert "Echo (test) · organisation/model-v2" in cell._header.text.plain
        await pilot.press("s")
        await wait_for(pilot, lambda: "organisation/" not in cell._header.text.plain, message="header refitted")
        assert cell._header.text.plain.startswith(CURRENT_MARK) and "model-v2" in cell._header.text.plain
