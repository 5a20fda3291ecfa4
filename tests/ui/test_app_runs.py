"""Runs from the UI: streamed text then outputs, run with dependencies, run all, cancel, refusals."""

from __future__ import annotations

from fixtures.ui_app import GatedParser, notifications, wait_for
from tui_notebook.ui.outputs import TextOutput

from tui_notebook.document import Error


def output_texts(app, index: int) -> list[str]:  # noqa: ANN001
    return [o.data for o in app.notebook.doc.prompts[index].outputs or [] if not isinstance(o, Error)]


def markdown_sources(cell) -> list[str]:  # noqa: ANN001
    return [m.source for m in cell.query(TextOutput)]


async def test_run_streams_text_then_shows_final_output(make_app):
    gated = GatedParser()
    app = make_app((("p1", "say {{who}}", "test-gated"),), parsers=(gated,), parameters={"who": "hi"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        cell = app.view.current_cell()
        await wait_for(pilot, lambda: cell._stream.display and "first words" in str(cell._stream.render()),
                       message="streamed text on screen")
        assert app.runs.state(cell.prompt).status == "running"
        assert "running" in str(cell.header_text())
        assert "1 running" in str(app.header.title_text())
        gated.gate.set()
        await wait_for(pilot, lambda: app.runs.state(cell.prompt).status == "finished", message="finished")
        await wait_for(pilot, lambda: markdown_sources(cell) == ["gated: say hi"], message="output drawn")
        assert output_texts(app, 0) == ["gated: say hi"]
        # the stream box goes once the outputs are mounted in its place (a worker; a moment later under load)
        await wait_for(pilot, lambda: not cell._stream.display, message="the stream box replaced by the output")
        assert "done" in str(cell.header_text())
        assert "running" not in str(app.header.title_text())


async def test_stream_is_coalesced_not_one_redraw_per_token(make_app):
    words = " ".join(f"w{i}" for i in range(400))
    app = make_app((("p1", words, "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cell = app.view.current_cell()
        updates = []
        original = cell.refresh_stream
        cell.refresh_stream = lambda **kwargs: (updates.append(1), original(**kwargs))[1]
        await pilot.press("r")
        await wait_for(pilot, lambda: output_texts(app, 0) == [f"echo: {words}"], message="finished")
        assert 0 < len(updates) < 200  # 400 tokens, far fewer redraws


async def test_run_with_dependencies_runs_the_referenced_cell_first(make_app):
    app = make_app((("first", "alpha", "test-echo"), ("second", "got {{first.output}}", "test-echo")))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j", "R")
        await wait_for(pilot, lambda: bool(output_texts(app, 1)), message="second has output")
        assert output_texts(app, 0) == ["echo: alpha"]
        assert output_texts(app, 1) == ["echo: got echo: alpha"]


async def test_run_all_runs_every_cell_in_order(make_app):
    app = make_app((("a", "one", "test-echo"), ("b", "two {{a.output}}", "test-echo"), ("c", "three", "test-echo")))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        await wait_for(pilot, lambda: all(output_texts(app, i) for i in range(3)), message="all outputs")
        assert output_texts(app, 1) == ["echo: two echo: one"]
        await wait_for(pilot, lambda: app.runs.active_count() == 0, message="idle")
        assert all(app.runs.state(p).status == "finished" for p in app.notebook.doc.prompts)


async def test_run_all_from_the_command_palette(make_app):
    app = make_app((("a", "one", "test-echo"), ("b", "two", "test-echo")))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"run all cells")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: all(output_texts(app, i) for i in range(2)), message="all outputs")


async def test_cancel_running_cell_keeps_previous_outputs(make_app):
    gated = GatedParser()
    app = make_app((("p1", "x", "test-gated"),), parsers=(gated,), outputs={"p1": "old answer"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cell = app.view.current_cell()
        await pilot.press("r")
        await wait_for(pilot, lambda: app.runs.state(cell.prompt).status == "running", message="running")
        await pilot.press("i", "i")
        await wait_for(pilot, lambda: app.runs.state(cell.prompt).status == "cancelled", message="cancelled")
        assert output_texts(app, 0) == ["old answer"]
        assert "cancelled" in str(cell.header_text())
        await wait_for(pilot, lambda: markdown_sources(cell) == ["old answer"], message="old output shown")


async def test_cancel_a_queued_cell_in_run_all(make_app):
    gated = GatedParser()
    app = make_app((("a", "x", "test-gated"), ("b", "y", "test-echo")), parsers=(gated,))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("A")
        await wait_for(pilot, lambda: gated.started.is_set(), message="first cell running")
        second = app.notebook.doc.prompts[1]
        assert app.runs.state(second).status == "queued"
        await pilot.press("j", "i", "i")
        await pilot.pause()
        assert app.runs.state(second).status == "cancelled"
        gated.gate.set()
        await wait_for(pilot, lambda: app.runs.active_count() == 0, message="run all over")
        assert output_texts(app, 0) == ["gated: x"]
        assert output_texts(app, 1) == []


async def test_second_run_of_a_running_cell_is_refused(make_app):
    gated = GatedParser()
    app = make_app((("p1", "x", "test-gated"),), parsers=(gated,))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: gated.started.is_set(), message="running")
        await pilot.press("r")
        await pilot.pause()
        assert any("already running" in m for m in notifications(app))
        gated.gate.set()
        await wait_for(pilot, lambda: output_texts(app, 0) == ["gated: x"], message="finished once")


async def test_failed_run_shows_error_in_red(make_app):
    app = make_app((("p1", "x", "no-such-model"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        cell = app.view.current_cell()
        await wait_for(pilot, lambda: app.runs.state(cell.prompt).status == "failed", message="failed")
        await wait_for(pilot, lambda: cell._failure.display, message="error drawn")
        shown = str(cell._failure.render())
        assert "no parser is registered" in shown
        assert "failed" in str(cell.header_text())
        assert not cell.query(".output-error") and app.notebook.doc.prompts[0].outputs == []  # nothing stored


async def test_run_from_edit_mode_commits_and_runs(make_app):
    app = make_app((("p1", "x", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter", "ctrl+u", *"fresh", "ctrl+r")
        await wait_for(pilot, lambda: output_texts(app, 0) == ["echo: xfresh"] or output_texts(app, 0) == ["echo: fresh"],
                       message="ran the edited text")
        assert app.focused is app.view
        await pilot.press("enter", "ctrl+j")
        await wait_for(pilot, lambda: app.runs.state(app.notebook.doc.prompts[0]).status == "finished")


def gated_above_another(make_app):  # noqa: ANN001, ANN201
    """A 60x40 app: a gated cell (streams "first words", then waits) with a cell below it."""
    gated = GatedParser()
    return make_app((("p1", "x", "test-gated"), ("p2", "below", "test-echo")), parsers=(gated,)), gated


async def start_streaming(pilot, app):  # noqa: ANN001, ANN201
    """Run the current cell and wait until its first streamed words are drawn; returns the cell."""
    await pilot.pause()
    await pilot.press("r")
    cell = app.view.current_cell()
    await wait_for(pilot, lambda: cell._stream.display and "first words" in str(cell._stream.render()),
                   message="streamed text on screen")
    await pilot.pause()
    return cell


def record_layout_passes(app, record) -> None:  # noqa: ANN001
    """Call ``record()`` after each layout pass of the app's screen (Textual's Screen._refresh_layout)."""
    screen = app.screen
    original = screen._refresh_layout

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003
        result = original(*args, **kwargs)
        record()
        return result

    screen._refresh_layout = counting


async def test_streamed_text_reserves_its_height_in_steps(make_app):
    """Each new streamed line used to move every cell below it (a repaint of most of the screen): the stream
    box grows by STREAM_STEP lines at a time instead."""
    from tui_notebook.ui.cell import STREAM_STEP

    app, gated = gated_above_another(make_app)
    async with app.run_test(size=(60, 40)) as pilot:
      try:
        cell = await start_streaming(pilot, app)
        assert cell._stream.size.height == STREAM_STEP, cell._stream.size  # one line, a whole step reserved
        below = app.view.cell_widgets()[1]
        top_of_next = below.region.y
        run = app.runs.state(cell.prompt)
        run.text += " word" * 40  # about 4 more lines at this width, still inside the step
        cell.refresh_stream()
        await pilot.pause()
        assert cell._stream.size.height == STREAM_STEP and below.region.y == top_of_next  # nothing moved
        run.text += " word" * 60
        cell.refresh_stream()
        await pilot.pause()
        assert cell._stream.size.height == 2 * STREAM_STEP and below.region.y == top_of_next + STREAM_STEP
        gated.gate.set()
        await wait_for(pilot, lambda: app.runs.state(cell.prompt).status == "finished")
        await wait_for(pilot, lambda: not cell._stream.display)
      finally:
        gated.gate.set()


async def test_off_screen_streams_wait_until_their_cell_is_in_view(make_app):
    gated = GatedParser()
    cells = [(f"p{i}", f"prompt {i}\n" * 6, "test-echo") for i in range(8)] + [("last", "x", "test-gated")]
    app = make_app(cells, parsers=(gated,))
    async with app.run_test(size=(80, 24)) as pilot:
      try:
        await pilot.pause()
        last = app.view.cell_widgets()[-1]
        assert not last.in_view()
        app.view.run_prompt(last.prompt)
        await wait_for(pilot, lambda: gated.started.is_set() and last.stream_stale, message="a stale stream")
        assert not last._stream.display  # nothing laid out for it while off screen
        app.view.scroll_end(animate=False)
        await wait_for(pilot, lambda: last._stream.display and "first words" in str(last._stream.render()),
                       message="the stream once the cell is in view")
        gated.gate.set()
        await wait_for(pilot, lambda: app.runs.state(last.prompt).status == "finished")
      finally:
        gated.gate.set()


async def test_off_screen_cells_draw_new_outputs_once_scrolled_into_view(make_app):
    """New outputs change a cell's height, and each height change re-lays out and repaints the column: a cell
    out of view waits with them until it is scrolled into view (its header, one line, stays up to date)."""
    cells = [(f"p{i}", f"prompt {i}\n" * 6, "test-echo") for i in range(8)] + [("last", "hello", "test-echo")]
    app = make_app(cells)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        last = app.view.cell_widgets()[-1]
        assert last.off_screen()
        app.view.run_prompt(last.prompt)
        await wait_for(pilot, lambda: output_texts(app, 8) == ["echo: hello"], message="the run's output")
        await wait_for(pilot, lambda: "done" in last._header.text.plain, message="the header says done")
        # The header follows the run's events and the outputs follow the column's sync of the document, which
        # runs in the view's own turn and may come after the header: the sync marks the cell stale instead of
        # drawing it (a cell drawn in full would never be marked, and this wait would time out).
        await wait_for(pilot, lambda: last.content_stale, message="the column's sync marks the cell stale")
        assert markdown_sources(last) == []  # not drawn while out of view
        app.view.scroll_end(animate=False)
        await wait_for(pilot, lambda: markdown_sources(last) == ["echo: hello"], message="output once in view")
        assert not last.content_stale


async def test_a_cell_that_grows_costs_one_layout_pass(make_app):
    """Textual asks for a second layout pass when a widget's virtual size changes; cells never scroll, so their
    parts (and the column, whose scroll bar Textual updates anyway) do not ask for it."""
    from tui_notebook.ui.cell import STREAM_STEP

    app, gated = gated_above_another(make_app)
    async with app.run_test(size=(60, 40)) as pilot:
      try:
        cell = await start_streaming(pilot, app)
        assert cell._stream.size.height == STREAM_STEP
        passes: list[int] = []
        record_layout_passes(app, lambda: passes.append(1))
        app.runs.state(cell.prompt).text += " word" * 100  # two steps of lines at this width
        cell.refresh_stream()
        await wait_for(pilot, lambda: cell._stream.size.height == 2 * STREAM_STEP)
        for _ in range(5):
            await pilot.pause(0.02)
        assert len(passes) == 1, passes
      finally:
        gated.gate.set()


async def test_a_finished_stream_gives_way_to_the_output_in_one_layout_pass(make_app):
    """The stream is cleared when the final outputs are drawn, in the same pass: no frame with neither (the cell
    collapsing, then growing again) and one layout pass of the column instead of two."""
    app, gated = gated_above_another(make_app)
    async with app.run_test(size=(60, 40)) as pilot:
      try:
        cell = await start_streaming(pilot, app)
        passes: list[tuple[bool, int]] = []  # after each pass: stream shown?, outputs drawn
        record_layout_passes(app, lambda: passes.append((bool(cell._stream.display), len(markdown_sources(cell)))))
        gated.gate.set()
        await wait_for(pilot, lambda: markdown_sources(cell) == ["gated: x"] and not cell._stream.display,
                       message="the output instead of the stream")
        for _ in range(5):
            await pilot.pause(0.02)
        assert passes == [(False, 1)], passes
      finally:
        gated.gate.set()


async def test_a_layout_pass_while_the_outputs_mount_shows_the_stream_or_the_output_never_both(make_app, monkeypatch):
    """A busy machine can run a layout pass at any turn of the event loop while the final outputs mount (each
    widget mounts in a task of its own); whichever turn it is, the cell shows either its streamed text or its
    outputs. Here the pass is forced right after the output widget has mounted, before anything else runs."""
    import asyncio

    app, gated = gated_above_another(make_app)
    async with app.run_test(size=(60, 40)) as pilot:
      try:
        cell = await start_streaming(pilot, app)
        shown: list[tuple[bool, int]] = []  # after each pass: stream shown?, outputs shown

        def record() -> None:
            outputs = [o for o in cell.query(TextOutput) if o.display and o in app.screen._compositor.visible_widgets]
            shown.append((bool(cell._stream.display), len(outputs)))

        record_layout_passes(app, record)
        original_on_mount = getattr(TextOutput, "on_mount", None)

        def pass_right_after_mount(self) -> None:  # noqa: ANN001
            if original_on_mount is not None:
                original_on_mount(self)
            asyncio.get_running_loop().call_soon(app.screen._refresh_layout)

        monkeypatch.setattr(TextOutput, "on_mount", pass_right_after_mount, raising=False)
        gated.gate.set()
        await wait_for(pilot, lambda: markdown_sources(cell) == ["gated: x"] and not cell._stream.display,
                       message="the output instead of the stream")
        await pilot.pause(0.05)
        assert shown and all(stream != bool(outputs) for stream, outputs in shown), shown
        assert shown[-1] == (False, 1), shown
      finally:
        gated.gate.set()


async def test_a_cell_renamed_while_it_runs_keeps_its_stream_and_its_result(make_app):
    """Run events carry the run, not the cell's name: renaming a running cell must not strand its state."""
    gated = GatedParser()
    app = make_app((("p1", "x", "test-gated"),), parsers=(gated,))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cell = app.view.current_cell()
        prompt = cell.prompt
        await pilot.press("r")
        await wait_for(pilot, lambda: app.runs.state(prompt).status == "running", message="running")
        app.notebook.rename_prompt(0, "renamed")
        await wait_for(pilot, lambda: "first words" in app.runs.state(prompt).text, message="stream kept")
        gated.gate.set()
        await wait_for(pilot, lambda: app.runs.state(prompt).status == "finished", message="finished")
        assert output_texts(app, 0) == ["gated: x"] and app.runs.active_count() == 0


async def test_the_app_runs_through_the_notebooks_session_and_keeps_one_run_state(make_app):
    """The UI, the CLI and the API share the notebook's session: a run from the UI shows in the session's run
    states, with no second copy in the app."""
    app = make_app((("p1", "hello", "test-echo"),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        session = app.notebook.session
        assert app.runs.session is session and app.runs.states is session.runs
        prompt = app.notebook.doc.prompts[0]
        await pilot.press("r")
        await wait_for(pilot, lambda: session.runs.get(prompt).status == "finished", message="finished")
        assert app.runs.state(prompt) is session.runs.get(prompt) and output_texts(app, 0) == ["echo: hello"]
