"""A modal paints the screen below it as it is now (ui/screens_below.py): a widget removed from that screen just
before the modal's frame is not drawn. A removed TextArea that had something left to paint raised KeyError ("No
'text-area--gutter' key in COMPONENT_CLASSES"); the corpus tour hit it now and then, when the sidebar's rebuild
for j, j went on after alt+j had opened the outputs.

Each test holds the paint timer of the screen below, so the modal's frame comes before that screen's own next
frame: the order the race produced now and then, made certain."""

from __future__ import annotations

import asyncio
import time

import pytest
from textual import messages
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, TextArea

from tui_notebook.ui.frames import PacedScreen
from tui_notebook.ui.outputs_json import OutputsJsonScreen

from fixtures.ui_app import wait_for


class TextAreaApp(App):
    def compose(self) -> ComposeResult:
        with Vertical():
            yield TextArea("{}")
            yield Label("below")


class UnawareScreen(Screen):
    """A screen that has not heard yet that its layout changed: the Layout messages its widgets send it are
    kept back (Textual handles them some message hops after a widget is removed)."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[messages.Layout] = []

    async def _on_layout(self, message: messages.Layout) -> None:
        message.stop()
        message.prevent_default()
        self.held.append(message)


class UnawareApp(TextAreaApp):
    def get_default_screen(self) -> Screen:
        return UnawareScreen()


class StockModal(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Label("modal")


class PacedModal(PacedScreen, ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Label("modal")


async def until(predicate, message: str, timeout: float = 5.0) -> None:  # noqa: ANN001
    """Wait for ``predicate`` without painting (Pilot.pause paints a frame of the top screen)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        await asyncio.sleep(0.01)


def hold_frames(screen, monkeypatch) -> None:  # noqa: ANN001
    """``screen`` paints no frame of its own until the test ends (Textual resumes its timer to paint one)."""
    monkeypatch.setattr(screen._update_timer, "resume", lambda: None)


def painted(screen) -> bool:  # noqa: ANN001
    return screen.is_current and not screen._dirty_widgets and not screen._repaint_required \
        and not screen._layout_required


async def remove_text_area_and_open(app: App, modal, monkeypatch) -> None:  # noqa: ANN001
    below = app.screen
    hold_frames(below, monkeypatch)
    await app.query_one(TextArea).remove()
    await until(lambda: below._layout_required, "the layout request")  # its map still lists the TextArea
    await app.push_screen(modal)


async def test_canary_textual_paints_the_screen_below_from_its_last_layout(monkeypatch):
    """Textual's own ModalScreen draws the removed TextArea and raises. When this test fails, Textual lays out
    the screen below before drawing it: screens_below.py and this test can go."""
    app = TextAreaApp()
    with pytest.raises(KeyError, match="text-area--gutter"):
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.pause()
            await remove_text_area_and_open(app, StockModal(), monkeypatch)
            await wait_for(pilot, lambda: app._exception is not None or painted(app.screen),
                           message="the modal's frame")


async def test_a_paced_modal_lays_out_the_screen_below_before_it_paints(monkeypatch):
    """The same order with a modal of the app's kind: it lays the screen below out first, draws no removed
    widget, and draws the rest."""
    app = TextAreaApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        below = app.screen
        modal = PacedModal()
        await remove_text_area_and_open(app, modal, monkeypatch)
        await wait_for(pilot, lambda: app._exception is not None or painted(modal), message="the modal's frame")
        assert app._exception is None
        assert not below._layout_required
        assert not any(isinstance(widget, TextArea) for widget in below._compositor.visible_widgets)
        assert "below" in "".join(strip.text for strip in below._compositor.render_strips())


async def test_a_paced_modal_lays_out_the_screen_below_before_that_screen_hears_of_the_removal(monkeypatch):
    app = UnawareApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        below = app.screen
        hold_frames(below, monkeypatch)
        await app.query_one(TextArea).remove()
        await until(lambda: below.held, "the removal's layout request")
        assert not below._layout_required  # the screen does not know
        modal = PacedModal()
        await app.push_screen(modal)
        await wait_for(pilot, lambda: app._exception is not None or painted(modal), message="the modal's frame")
        assert app._exception is None
        assert not any(isinstance(widget, TextArea) for widget in below._compositor.visible_widgets)


async def test_the_outputs_open_over_the_sidebar_while_it_rebuilds_for_the_next_cell(make_app, monkeypatch):
    """The corpus tour's failing order: j, j rebuild the sidebar one build after the other, alt+j opens the
    outputs while the last build still runs; it removes the old settings form (a TextArea among it) from the
    notebook screen, and the outputs screen paints again (its cursor, say) before the notebook screen's frame.
    That frame drew the removed form (and raised when its TextArea had never been drawn, as in the tour)."""
    app = make_app((("p1", "one", "test-echo"), ("p2", "two", "test-echo")),
                   outputs={"p1": "echo: one", "p2": "echo: two"})
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: len(app.screen.query("#other-json")) == 1, message="the sidebar's form")
        notebook_screen = app.screen
        old_editor = notebook_screen.query_one("#other-json", TextArea)
        await pilot.press("escape")  # s put the focus in the sidebar: back to the cell for the command
        await wait_for(pilot, lambda: app.focused is app.view, message="back on the cell")
        await pilot.press("alt+j")
        await wait_for(pilot, lambda: isinstance(app.screen, OutputsJsonScreen) and painted(app.screen),
                       message="the outputs shown")
        outputs = app.screen
        hold_frames(notebook_screen, monkeypatch)
        app.sidebar.set_prompt(app.notebook.doc.prompts[1])  # the build the second j asked for
        await until(lambda: not old_editor.is_attached, "the old settings form removed")  # the notebook screen
        outputs.refresh()  # has painted no frame since, and the outputs screen paints one
        await wait_for(pilot, lambda: app._exception is not None or painted(outputs), message="the outputs' frame")
        assert app._exception is None
        assert old_editor not in notebook_screen._compositor.visible_widgets
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is notebook_screen, message="the outputs closed")
        assert len(notebook_screen.query("#other-json")) == 1  # the next cell's form


def test_every_modal_of_the_app_lays_out_the_screen_below_first():
    import importlib
    import pkgutil

    import tui_notebook.ui

    for module in pkgutil.walk_packages(tui_notebook.ui.__path__, "tui_notebook.ui."):
        importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(sub) for sub in found))

    modals = {cls for cls in subclasses(ModalScreen) if cls.__module__.startswith("tui_notebook.")}
    assert len(modals) > 10  # the dialogs, help, outputs, settings, media screens
    assert {cls.__name__ for cls in modals if not issubclass(cls, PacedScreen)} == set()


# An opaque top screen hides the screens below it; a paint of one of those must not repaint the top screen.


class OpaqueScreen(Screen):
    def compose(self) -> ComposeResult:
        yield Label("on top")


def record_paints(screen, monkeypatch) -> list[str]:  # noqa: ANN001
    """The frames ``screen`` paints from now on (each call of its ``_compositor_refresh``)."""
    frames: list[str] = []
    paint = screen._compositor_refresh
    monkeypatch.setattr(screen, "_compositor_refresh", lambda: frames.append("paint") or paint())
    return frames


async def paint_the_screen_below(below, widget, top, monkeypatch) -> list[str]:  # noqa: ANN001
    """With ``top`` shown and painted, repaint ``widget`` of the screen ``below`` it; the frames ``top`` painted
    from the frame of ``below`` until ``top`` has nothing left to paint."""
    await until(lambda: painted(top), "the top screen's frame")
    top_frames = record_paints(top, monkeypatch)
    below_frames = record_paints(below, monkeypatch)
    widget.refresh()
    await until(lambda: below_frames, "the frame of the screen below")
    await until(lambda: painted(top), "the top screen done")
    return top_frames


async def test_canary_textual_repaints_an_opaque_top_screen_from_a_paint_below(monkeypatch):
    """Textual counts the screen below an opaque one as visible, and its paint repaints the top screen. When
    this test fails, Textual no longer does: ``covered`` and ``keep_frame_for_later`` in screens_below.py and this
    test can go."""
    app = TextAreaApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        below = app.screen
        top = OpaqueScreen()
        await app.push_screen(top)
        assert top.styles.background.a == 1 and below in app._background_screens
        top_frames = await paint_the_screen_below(below, below.query_one(Label), top, monkeypatch)
        assert top_frames


async def test_a_paint_below_an_opaque_screen_does_not_repaint_it(monkeypatch):
    """A paced screen under an opaque one paints nothing, and keeps what changed for when it shows again."""

    class PacedBelow(PacedScreen, Screen):
        def compose(self) -> ComposeResult:
            yield Label("below")

    class PacedBelowApp(App):
        def get_default_screen(self) -> Screen:
            return PacedBelow()

    app = PacedBelowApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        below = app.screen
        top = OpaqueScreen()
        await app.push_screen(top)
        label = below.query_one(Label)
        assert await paint_the_screen_below(below, label, top, monkeypatch) == []
        assert below._compositor._dirty_regions  # kept for its next frame
        label.update("later")  # the same width: no layout pass
        app.pop_screen()
        await wait_for(pilot, lambda: app.screen is below and painted(below), message="the screen below shown")
        assert "later" in "".join(strip.text for strip in below._compositor.render_strips())


async def test_a_notebook_repaint_under_the_help_does_not_repaint_the_help(make_app, monkeypatch):
    """The help's first frame got a third paint when the notebook screen's frame came after its second."""
    from tui_notebook.ui.help_screen import HelpScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        notebook_screen = app.screen
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), message="the help shown")
        help_screen = app.screen
        assert notebook_screen in app._background_screens  # Textual counts it as visible
        assert await paint_the_screen_below(notebook_screen, app.view, help_screen, monkeypatch) == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is notebook_screen and painted(notebook_screen),
                       message="the notebook shown again")
