"""LiveText: changing text asks for a layout pass of the screen only when the widget's height can change."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui_notebook.ui.live_text import LiveText


class OneLine(App):
    CSS = "LiveText.fixed { height: 1; }"

    def compose(self) -> ComposeResult:
        yield LiveText("short", classes="fixed")
        yield LiveText("short", classes="auto")


async def layout_passes_after(app: OneLine, pilot, change) -> int:  # noqa: ANN001
    passes: list[int] = []
    screen = app.screen
    original = screen._refresh_layout

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003
        passes.append(1)
        return original(*args, **kwargs)

    screen._refresh_layout = counting
    change()
    for _ in range(5):
        await pilot.pause(0.02)
    screen._refresh_layout = original
    return len(passes)


async def test_a_one_line_text_that_wraps_differently_is_repainted_without_a_layout_pass() -> None:
    app = OneLine()
    async with app.run_test(size=(20, 10)) as pilot:
        await pilot.pause()
        fixed = app.query_one("LiveText.fixed", LiveText)
        auto = app.query_one("LiveText.auto", LiveText)
        long = "many words that wrap over several lines"
        assert await layout_passes_after(app, pilot, lambda: fixed.set_text(long)) == 0
        assert fixed.size.height == 1 and fixed.render().plain == long
        # a height that follows the text still gets its pass
        assert await layout_passes_after(app, pilot, lambda: auto.set_text(long)) >= 1
        assert auto.size.height > 1
