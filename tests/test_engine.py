"""Engine rules: outputs replaced only on success, a failure reported (not stored), cancel keeps outputs, no double run,
dependencies first, same-local-model runs queue, tokens never leak into messages."""

from __future__ import annotations

import time

import pytest

from tui_notebook import Notebook
from tui_notebook.document.models import Error
from tui_notebook.engine import (
    AlreadyRunning,
    EventLog,
    RunCancelled,
    RunFinished,
    RunQueued,
    RunStarted,
    TextChunk,
)
from tui_notebook.parser_api import ModelParser, ParserError, text_output


class Echo(ModelParser):
    """Streams the resolved prompt word by word; ``settings.delay`` slows it down; "FAIL" fails."""

    id = "Echo"
    label = "Echo"
    settings_schema = {"type": "object", "properties": {"delay": {"type": "number"}}}

    def run(self, request, ctx):
        if "FAIL" in request.prompt_text:
            raise ParserError("asked to fail")
        delay = request.settings.get("delay", 0)
        for word in request.prompt_text.split(" "):
            ctx.stream(word + " ")
            if delay:
                ctx.token.wait(delay)
        return [text_output(ctx.accumulated.strip())]


class LocalEcho(Echo):
    id = "LocalEcho"
    local = True


def make_notebook(*inputs, model="Echo"):
    nb = Notebook.new(None)
    nb.registry.register(Echo())
    nb.registry.register(LocalEcho())
    for text in inputs:
        nb.add_prompt(model=model, input=text)
    return nb


def test_run_streams_and_stores_outputs():
    nb = make_notebook("hello {{who}} there")
    nb.set_parameter("who", "world")
    log = EventLog()
    nb.engine.subscribe(log)
    outputs = nb.run_sync("prompt_1")
    assert outputs[0].data == "hello world there"
    assert nb.prompt("prompt_1").outputs == outputs
    chunks = log.of_type(TextChunk)
    assert len(chunks) == 3 and chunks[-1].accumulated.strip() == "hello world there"
    kinds = [type(e) for e in log.events]
    assert kinds[0] is RunStarted and kinds[-1] is RunFinished
    assert log.of_type(RunStarted)[0].resolved_prompt == "hello world there"


def test_runtime_params_override_local_and_global():
    nb = make_notebook("{{x}}")
    nb.set_parameter("x", "global")
    nb.set_parameter("x", "local", prompt=0)
    assert nb.run_sync("prompt_1")[0].data == "local"
    assert nb.run_sync("prompt_1", {"x": "runtime"})[0].data == "runtime"


def test_failure_is_reported_as_an_error_and_stores_nothing():
    nb = make_notebook("FAIL please")
    outcome = nb.engine.run("prompt_1")
    assert outcome.status == "failed" and "asked to fail" in outcome.message
    err = outcome.error
    assert isinstance(err, Error) and err.ename == "ParserError" and err.evalue == "asked to fail"
    assert nb.prompt("prompt_1").outputs == [] and '"output_type": "error"' not in nb.to_string()


def test_unknown_model_is_not_runnable_with_a_reason():
    nb = make_notebook("x", model="no-such-model")
    outcome = nb.engine.run("prompt_1")
    assert outcome.status == "failed"
    assert "no parser is registered for model 'no-such-model'" in outcome.message


def test_cancel_keeps_previous_outputs():
    nb = make_notebook("a b c d e f g h")
    nb.run_sync("prompt_1")
    before = list(nb.prompt("prompt_1").outputs)
    nb.set_setting(0, "delay", 0.2)
    log = EventLog()
    nb.engine.subscribe(log)
    future = nb.engine.submit("prompt_1")
    _wait_for(lambda: log.of_type(TextChunk))
    assert nb.engine.cancel("prompt_1")
    outcome = future.result(5)
    assert outcome.status == "cancelled"
    assert nb.prompt("prompt_1").outputs == before
    assert log.of_type(RunCancelled) and not log.of_type(RunFinished)
    assert len(log.of_type(TextChunk)) < 8  # it really stopped early


def test_second_run_of_a_running_cell_is_refused():
    nb = make_notebook("a b c")
    nb.set_setting(0, "delay", 0.2)
    future = nb.engine.submit("prompt_1")
    with pytest.raises(AlreadyRunning, match="already running"):
        nb.engine.run("prompt_1")
    nb.engine.cancel("prompt_1")
    future.result(5)
    assert not nb.engine.is_running("prompt_1")


def test_run_with_dependencies_runs_upstream_first():
    nb = make_notebook("alpha", "beta {{prompt_1.output}}", "gamma {{prompt_2.output}}", "unrelated")
    log = EventLog()
    nb.engine.subscribe(log)
    out = nb.run_sync("prompt_3", with_dependencies=True)
    assert [e.prompt_name for e in log.of_type(RunStarted)] == ["prompt_1", "prompt_2", "prompt_3"]
    assert out[0].data == "gamma beta alpha"
    assert nb.prompt("prompt_4").outputs == []


def test_dependency_failure_stops_the_chain_without_touching_the_root():
    nb = make_notebook("FAIL", "beta {{prompt_1.output}}")
    outcome = nb.engine.run("prompt_2", with_dependencies=True)
    assert outcome.status == "failed" and "dependency 'prompt_1' failed" in outcome.message
    assert nb.prompt("prompt_2").outputs == []
    assert nb.prompt("prompt_1").outputs == []  # the failed dependency keeps its (no) outputs too


def test_run_all_stops_at_the_first_failure_unless_told_otherwise():
    nb = make_notebook("one", "FAIL", "three")
    outcomes = nb.engine.run_all()
    assert [o.status for o in outcomes] == ["finished", "failed"]
    nb2 = make_notebook("one", "FAIL", "three")
    outcomes = nb2.engine.run_all(stop_on_error=False)
    assert [o.status for o in outcomes] == ["finished", "failed", "finished"]


@pytest.mark.serial  # a wall-clock bound (two runs overlapped)
def test_runs_on_the_same_local_model_queue_but_different_models_overlap():
    nb = make_notebook("a b c", "d e f", model="LocalEcho")
    nb.set_setting(0, "delay", 0.1)
    nb.set_setting(1, "delay", 0.1)
    log = EventLog()
    nb.engine.subscribe(log)
    f1 = nb.engine.submit("prompt_1")
    _wait_for(lambda: log.of_type(RunStarted))
    f2 = nb.engine.submit("prompt_2")
    assert f1.result(5).ok and f2.result(5).ok
    queued = log.of_type(RunQueued)
    assert [q.prompt_name for q in queued] == ["prompt_2"] and queued[0].waiting_for == "prompt_1"
    order = [(type(e).__name__, e.prompt_name) for e in log.events if isinstance(e, (RunStarted, RunFinished))]
    assert order == [("RunStarted", "prompt_1"), ("RunFinished", "prompt_1"),
                     ("RunStarted", "prompt_2"), ("RunFinished", "prompt_2")]
    # remote (non-local) parsers run side by side
    nb3 = make_notebook("a b c", "d e f")
    nb3.set_setting(0, "delay", 0.1)
    nb3.set_setting(1, "delay", 0.1)
    started = time.monotonic()
    futures = [nb3.engine.submit("prompt_1"), nb3.engine.submit("prompt_2")]
    assert all(f.result(5).ok for f in futures)
    assert time.monotonic() - started < 0.55  # two 0.3 s runs overlapped


def test_cancel_a_queued_run():
    nb = make_notebook("a b c d", "e f", model="LocalEcho")
    nb.set_setting(0, "delay", 0.2)
    log = EventLog()
    nb.engine.subscribe(log)
    f1 = nb.engine.submit("prompt_1")
    _wait_for(lambda: log.of_type(RunStarted))
    f2 = nb.engine.submit("prompt_2")
    _wait_for(lambda: log.of_type(RunQueued))
    nb.engine.cancel("prompt_2")
    assert f2.result(5).status == "cancelled"
    nb.engine.cancel("prompt_1")
    f1.result(5)


def test_token_is_redacted_from_errors(monkeypatch):
    secret = "hf_supersecrettoken123"
    monkeypatch.setenv("HF_TOKEN", secret)

    class Leaky(ModelParser):
        id = "Leaky"

        def run(self, request, ctx):
            raise RuntimeError(f"401 for token {secret}")

    nb = make_notebook("x", model="Leaky")
    nb.registry.register(Leaky())
    outcome = nb.engine.run("prompt_1")
    err = outcome.error
    assert secret not in outcome.message and secret not in err.evalue
    assert all(secret not in line for line in err.traceback)
    assert secret not in nb.to_string()


def test_a_cell_deleted_while_running_is_not_resurrected():
    nb = make_notebook("a b c")
    nb.set_setting(0, "delay", 0.1)
    log = EventLog()
    nb.engine.subscribe(log)
    future = nb.engine.submit("prompt_1")
    _wait_for(lambda: log.of_type(TextChunk))
    nb.delete_prompt(0)
    future.result(5)
    assert nb.doc.prompts == []


def test_unknown_settings_are_reported_not_dropped():
    nb = make_notebook("x")
    nb.set_setting(0, "temprature", 0.5)
    log = EventLog()
    nb.engine.subscribe(log)
    nb.run_sync("prompt_1")
    warnings = [e.message for e in log.events if type(e).__name__ == "RunWarning"]
    assert warnings == ["setting 'temprature' is not used by Echo"]


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def test_resolve_all_equals_resolving_one_by_one():
    from tui_notebook.resolve import ResolveError, resolve_all, resolve_prompt

    nb = make_notebook("a {{x}}", "b {{prompt_1.output}}", "c {{prompt_2.input}}")
    nb.doc.prompts.append(nb.doc.prompts[0].model_copy(update={"input": "dup {{prompt_2.output}}"}))  # duplicate
    nb.doc.prompts.append(nb.doc.prompts[1].model_copy(update={"name": "late", "input": "{{prompt_2.output}}"}))
    nb.set_parameter("x", "<X>")
    nb.run_sync("prompt_2", with_dependencies=True)
    together = resolve_all(nb.doc, {"y": 1}, nb.registry)
    for i, result in enumerate(together):
        try:
            alone = resolve_prompt(nb.doc, i, {"y": 1}, nb.registry)
        except ResolveError as exc:
            assert isinstance(result, ResolveError) and str(result) == str(exc)
        else:
            assert not isinstance(result, ResolveError)
            assert (result.text, result.references, result.escaped) == (alone.text, alone.references, alone.escaped)


def test_when_engine_ready_waits_for_the_engine_without_creating_it():
    """The UI subscribes to run events this way: opening a notebook must not import or build the engine."""
    from tui_notebook.notebook import Notebook

    nb = Notebook.new(None)
    seen: list[object] = []
    nb.session.when_engine_ready(seen.append)
    assert seen == [] and nb.session._engine is None
    engine = nb.engine
    assert seen == [engine]
    nb.session.when_engine_ready(seen.append)  # already there: called at once
    assert seen == [engine, engine]
