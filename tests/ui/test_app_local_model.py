"""One real run from the UI on a tiny local GPT-2 through the registered "Text Generation (Local)" parser."""

from __future__ import annotations

import time

import pytest
from fixtures.ui_app import hello_local_notebook, wait_for

from tui_notebook.document import Error
from tui_notebook.engine import EventLog, RunStarted, TextChunk
from tui_notebook.ui.app import TuinbApp


@pytest.mark.slow
async def test_tiny_local_model_run_streams_and_stores_output(tmp_path, tiny_text_generation):
    nb = hello_local_notebook(tmp_path, tiny_text_generation)
    app = TuinbApp(nb)
    log = EventLog()
    nb.engine.subscribe(log)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        prompt = nb.doc.prompts[0]
        latencies = []
        deadline = time.monotonic() + 120
        while app.runs.state(prompt).status in ("queued", "running", "idle") and time.monotonic() < deadline:
            started = time.perf_counter()
            await pilot.press("j")  # the UI keeps answering keys while the model loads and generates
            latencies.append(time.perf_counter() - started)
            await pilot.pause(0.02)
        assert app.runs.state(prompt).status == "finished", app.runs.state(prompt)
        outputs = prompt.outputs
        assert outputs and not isinstance(outputs[0], Error)
        assert outputs[0].data.startswith("Hello world")
        assert log.of_type(RunStarted) and log.of_type(TextChunk)  # it streamed
        assert "done" in str(app.view.current_cell().header_text())
        await wait_for(pilot, lambda: "Hello world" in "".join(m.source for m in app.view.current_cell().query(".output-text")),
                       message="output drawn")
