"""Faults while running: remote failures from the loopback Inference API (each a clear cell error or a visible
retry, while another cell runs on unaffected), cancel while loading / streaming / diffusing, and the UI staying
responsive while a remote call hangs.

    .venv/bin/python -m pytest tests/test_faults_runs.py -q

Error wording per HTTP status is covered parser by parser in tests/test_parsers_remote.py, and run-all with a
failing cell in the middle in tests/test_engine.py::test_run_all_stops_at_the_first_failure_unless_told_otherwise
(and through the CLI in tests/test_cli.py); here everything goes through the engine, concurrently.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from fixtures.hf_server import STREAM_TOKENS, FakeInferenceServer
from tui_notebook import Notebook
from tui_notebook.document.models import Error
from tui_notebook.engine import EventLog, RunCancelled, RunFailed, RunFinished, RunProgress, TextChunk
from tui_notebook.parser_api import ModelParser, text_output

HEALTHY_TEXT = "".join(STREAM_TOKENS)


@pytest.fixture(scope="module")
def healthy_server():
    """A second loopback server for the healthy cell, so scripted failures can only hit the faulty one."""
    server = FakeInferenceServer()
    yield server
    server.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAULTS = {
    # name: (script the server, cell model, extra settings, expected outcome, text in events / message)
    "429 Retry-After": (lambda s: s.fail(429, retry_after=1), "Summarization", {}, "finished", "retry 1/"),
    "503 loading": (lambda s: s.fail(503, loading=True, estimated_time=1), "Summarization", {}, "finished",
                    "still loading"),
    "slow past the timeout": (lambda s: s.fail("slow", seconds=3), "Summarization", {"timeout": 1}, "failed",
                              "did not answer after 1 s"),
    "connection refused": (None, "Summarization", {}, "failed", "cannot connect"),
    "stream cut midway": (lambda s: s.fail("cut"), "Text Generation", {}, "failed",
                          "broke before the answer was complete"),
    "garbage JSON": (lambda s: s.fail("garbage"), "Summarization", {}, "failed", "cannot read"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_remote_fault_is_a_clear_cell_error_or_a_visible_retry_and_other_cells_run_on(
        fault, hf_server, healthy_server):
    script, model, extra, expected, needle = FAULTS[fault]
    task = "text-generation" if model == "Text Generation" else "summarization"
    url = f"http://127.0.0.1:{_closed_port()}/models/x" if fault == "connection refused" else \
        hf_server.model_url(task)
    healthy_server.reset()
    healthy_server.token_delay = 0.15  # the healthy cell streams for ~1.2 s, overlapping the faulty one

    nb = Notebook.new(None)
    nb.add_prompt(name="faulty", model=model, input="one two three four")
    nb.set_setting(0, "model", url)
    for key, value in extra.items():
        nb.set_setting(0, key, value)
    nb.add_prompt(name="healthy", model="Text Generation", input="Tell me a story")
    nb.set_setting(1, "model", healthy_server.model_url("text-generation"))
    log = EventLog()
    nb.engine.subscribe(log)
    if script:
        script(hf_server)

    started = time.monotonic()
    healthy = nb.engine.submit("healthy")
    faulty = nb.engine.submit("faulty")
    faulty_outcome = faulty.result(30)
    healthy_outcome = healthy.result(30)
    elapsed = time.monotonic() - started

    assert faulty_outcome.status == expected, faulty_outcome.message
    if expected == "failed":
        assert needle in faulty_outcome.message
        assert "Traceback" not in faulty_outcome.message
        assert nb.prompt("faulty").outputs == []  # a failure is reported, never stored over the outputs
        assert isinstance(faulty_outcome.error, Error) and needle in faulty_outcome.error.evalue
        assert [e.message for e in log.of_type(RunFailed) if e.prompt_name == "faulty"] == [faulty_outcome.message]
    else:  # a visible retry: the wait is reported as progress, then the run succeeds
        progress = [e.message for e in log.of_type(RunProgress) if e.prompt_name == "faulty"]
        assert any(needle in m for m in progress), progress
        assert faulty_outcome.outputs[0].data.startswith("summary:")
    # The other cell never noticed.
    assert healthy_outcome.status == "finished", healthy_outcome.message
    assert nb.prompt("healthy").outputs[0].data == HEALTHY_TEXT
    assert not [e for e in log.events if e.prompt_name == "healthy" and isinstance(e, (RunFailed, RunCancelled))]
    assert "".join(e.chunk for e in log.of_type(TextChunk) if e.prompt_name == "healthy") == HEALTHY_TEXT
    assert elapsed < 20


# -- cancel while loading / streaming / diffusing ---------------------------------------------------------------


class SlowLoad(ModelParser):
    """Stands for a model that takes long to load: reports indeterminate progress and waits (cancellably)."""

    id = "SlowLoad"
    local = True

    def __init__(self) -> None:
        self.loading = threading.Event()

    def resource_key(self, request):  # noqa: ANN001, ANN201
        return "slow-load-model"

    def run(self, request, ctx):  # noqa: ANN001, ANN201
        ctx.progress(None, "loading slow-load-model…")
        self.loading.set()
        if ctx.token.wait(30):
            ctx.check_cancelled()
        return [text_output("loaded and ran")]


def _with_previous_output(nb: Notebook, index: int) -> list:
    nb.replace_outputs(nb.doc.prompts[index], [text_output("previous result")])
    return list(nb.doc.prompts[index].outputs)


def test_cancel_while_loading():
    parser = SlowLoad()
    nb = Notebook.new(None)
    nb.registry.register(parser)
    nb.add_prompt(name="big", model="SlowLoad", input="x")
    before = _with_previous_output(nb, 0)
    log = EventLog()
    nb.engine.subscribe(log)
    future = nb.engine.submit("big")
    assert parser.loading.wait(10)
    asked = time.monotonic()
    assert nb.engine.cancel("big")
    outcome = future.result(10)
    assert outcome.status == "cancelled" and time.monotonic() - asked < 2
    assert nb.doc.prompts[0].outputs == before  # a cancel keeps the previous outputs
    assert log.of_type(RunCancelled) and not log.of_type(RunFinished)
    assert any("loading" in e.message for e in log.of_type(RunProgress))


@pytest.mark.slow
def test_cancel_while_streaming_a_local_model(tiny_text_generation):
    nb = Notebook.new(None)
    nb.add_prompt(name="gen", model="Text Generation (Local)", input="Hello")
    for key, value in {"model": tiny_text_generation, "max_new_tokens": 300, "min_new_tokens": 300,
                       "do_sample": False}.items():
        nb.set_setting(0, key, value)
    before = _with_previous_output(nb, 0)
    chunks: list[str] = []

    def on_event(event):  # noqa: ANN001
        if isinstance(event, TextChunk):
            chunks.append(event.chunk)
            if len(chunks) == 3:
                nb.engine.cancel("gen")

    nb.engine.subscribe(on_event)
    outcome = nb.engine.submit("gen").result(120)
    assert outcome.status == "cancelled"
    assert 3 <= len(chunks) < 10  # stopped at the next token, not after 300
    assert nb.doc.prompts[0].outputs == before


@pytest.mark.slow
def test_cancel_while_diffusing(tiny_diffusion):
    nb = Notebook.new(None)
    nb.add_prompt(name="img", model="Text-to-Image (Local)", input="a cat")
    nb.set_setting(0, "model", tiny_diffusion)
    nb.set_setting(0, "num_inference_steps", 200)
    before = _with_previous_output(nb, 0)
    steps: list[str] = []

    def on_event(event):  # noqa: ANN001
        if isinstance(event, RunProgress) and event.message.startswith("step ") and event.fraction:
            steps.append(event.message)
            if len(steps) == 2:
                nb.engine.cancel("img")

    nb.engine.subscribe(on_event)
    outcome = nb.engine.submit("img").result(120)
    assert outcome.status == "cancelled"
    assert 2 <= len(steps) <= 3, steps  # stopped between steps, long before step 200
    assert nb.doc.prompts[0].outputs == before


# -- the UI stays responsive while a remote call hangs --------------------------------------------------------


@pytest.mark.serial  # a wall-clock bound
async def test_ui_stays_responsive_while_a_remote_cell_hangs(make_app, hf_server):
    from fixtures.ui_app import wait_for

    hf_server.fail("slow", seconds=4)
    app = make_app((("hang", "one two", "Summarization"), ("p2", "two", "test-echo"), ("p3", "three", "test-echo")))
    app.notebook.set_setting(0, "model", hf_server.model_url("summarization"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: app.notebook.engine.is_running("hang"), message="remote run started")
        started = time.monotonic()
        await pilot.press("j")
        await wait_for(pilot, lambda: app.view.current == 1, timeout=2, message="cursor moved during the call")
        await pilot.press("r")  # and another cell runs and finishes while the first still waits
        await wait_for(pilot, lambda: bool(app.notebook.doc.prompts[1].outputs), timeout=3, message="p2 ran")
        assert time.monotonic() - started < 3.5 and app.notebook.engine.is_running("hang")
        await wait_for(pilot, lambda: not app.notebook.engine.is_running("hang"), timeout=15, message="hang ends")
        assert app.notebook.doc.prompts[0].outputs[0].data.startswith("summary:")
