"""Built-in local parsers run in the local model process (tui_notebook/engine/model_host.py): same outputs and
streaming as in-process, no torch in the parent, prompt cancel, clear crash errors and a fresh child after a
crash, ParserErrors and other failures carried across, user parsers kept in-process.

One child is shared by the module's tests (its first torch import costs a few seconds)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fixtures.parser_run import Recorder, make_request
from tui_notebook import Notebook
from tui_notebook.document.models import Error
from tui_notebook.engine import EventLog, RunCancelled, RunProgress, RunStarted, TextChunk, model_host
from tui_notebook.engine.model_host import STARTING, LocalModelHost, RemoteError, hosted
from tui_notebook.parser_api import ModelParser, ParserError, RunOptions, text_output
from tui_notebook.registry import default_registry

pytestmark = pytest.mark.slow

GEN = "Text Generation (Local)"
GREEDY = {"max_new_tokens": 12, "min_new_tokens": 12, "do_sample": False, "return_full_text": False}


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    host = LocalModelHost(log_path=tmp_path_factory.mktemp("host-log") / "model-host.log")
    yield host
    host.shutdown()


@pytest.fixture
def shared(host, monkeypatch):
    """The module's host stands in for the process-wide one the engine uses."""
    monkeypatch.setattr(model_host, "_shared", host)
    monkeypatch.delenv("TUINB_LOCAL_PROCESS", raising=False)
    return host


def local_notebook(model_dir, text="Hello world", *, cells=1, **settings) -> Notebook:
    nb = Notebook.new(None, options=RunOptions(local_process=True))
    for index in range(cells):
        nb.add_prompt(model=GEN, input=text)
        nb.set_setting(index, "model", str(model_dir))
        for key, value in settings.items():
            nb.set_setting(index, key, value)
    return nb


IN_PROCESS = "ran in this process"


def refuse_in_process(monkeypatch) -> None:
    """Local parsers fail in this process (only here: the child has its own, untouched copy), so a run that
    succeeds ran in the child, and one that fails with IN_PROCESS ran here. run() itself stays tuinb's own:
    hosted() rejects a replaced run()."""
    from tui_notebook.parsers.hf_local_base import LocalParser

    def refuse(self, request, ctx):  # noqa: ANN001, ANN202
        raise ParserError(IN_PROCESS)

    monkeypatch.setattr(LocalParser, "settings_for", refuse)


def wait_until(condition, timeout=30.0, message="condition"):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.01)


def _pending_runs(host: LocalModelHost) -> int:
    child = host._child  # noqa: SLF001 - the run must be registered before the child is stopped or killed
    return len(child.inboxes) if child is not None else 0


# -- same results as in-process ----------------------------------------------------------------------------


def test_host_streams_and_returns_what_an_in_process_run_returns(host, tiny_text_generation):
    registry = default_registry()
    request = make_request(GEN, text="Hello world", settings={"model": tiny_text_generation, **GREEDY})
    here = Recorder()
    expected = registry.get(GEN).run(request, here)

    there = Recorder()
    outputs = host.run(registry.get(GEN), request, there)

    assert [o.data for o in outputs] == [o.data for o in expected] and outputs[0].data
    assert there.chunks and "".join(there.chunks) == "".join(here.chunks)  # chunks may be batched, not lost
    assert there.accumulated == here.accumulated
    assert host.pid is not None and host.pid != os.getpid()


def test_attachments_in_and_media_out_cross_the_process_boundary(host, tiny_asr, tiny_tts, tmp_path):
    from fixtures.hf_server import tiny_wav

    registry = default_registry()
    (tmp_path / "a.wav").write_bytes(tiny_wav(seconds=0.5, rate=16000))
    asr = "Automatic Speech Recognition (Local)"
    request = make_request(asr, notebook_dir=tmp_path, settings={"model": tiny_asr},
                           attachments=[{"data": {"kind": "file_uri", "value": "a.wav"}, "mime_type": "audio/wav"}])
    request.options.confirm_outside_files = lambda name, files: True  # a UI callback: never pickled
    request.options.extra = {"secret_env_vars": ["X_TOKEN"], "callback": lambda: None}
    assert [o.data for o in host.run(registry.get(asr), request, Recorder())] == [
        o.data for o in registry.get(asr).run(request, Recorder())]

    tts = "Text-to-Speech (Local)"
    request = make_request(tts, text="hello", settings={"model": tiny_tts})
    there = host.run(registry.get(tts), request, Recorder())[0]
    here = registry.get(tts).run(request, Recorder())[0]
    assert there.mime_type == here.mime_type and there.mime_type.startswith("audio/")
    assert len(there.data.value) > 1000


def test_engine_runs_builtin_local_parsers_in_the_child(shared, monkeypatch, tiny_text_generation):
    nb = local_notebook(tiny_text_generation, **GREEDY)
    refuse_in_process(monkeypatch)
    log = EventLog()
    nb.engine.subscribe(log)
    outcome = nb.engine.run(nb.names()[0])
    assert outcome.ok, outcome.message
    streamed = "".join(e.chunk for e in log.of_type(TextChunk))
    assert streamed and streamed == outcome.outputs[0].data
    assert log.of_type(TextChunk)[-1].accumulated == streamed
    assert nb.doc.prompts[0].outputs[0].data == outcome.outputs[0].data


def test_a_fresh_host_says_it_is_starting(tmp_path, tiny_text_generation):
    host = LocalModelHost(log_path=tmp_path / "host.log")
    try:
        nb = local_notebook(tiny_text_generation, max_new_tokens=2)
        log = EventLog()
        nb.engine.subscribe(log)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(model_host, "_shared", host)
            assert nb.engine.run(nb.names()[0]).ok
        messages = [e.message for e in log.of_type(RunProgress)]
        assert messages[0] == STARTING and any(m.startswith("loading ") for m in messages)
        assert b"tuinb model process for parent" in (tmp_path / "host.log").read_bytes()
    finally:
        host.shutdown()
    assert host.pid is None


def test_the_parent_never_imports_torch_and_the_child_exits_with_it(tmp_path, tiny_text_generation):
    """Checked in a fresh interpreter: this pytest process imported torch long ago for other tests."""
    script = f"""
import json, sys
from tui_notebook import Notebook
from tui_notebook.engine import TextChunk, model_host
from tui_notebook.parser_api import RunOptions
nb = Notebook.new(None, options=RunOptions(local_process=True))
nb.add_prompt(model="Text Generation (Local)", input="Hello world")
nb.set_setting(0, "model", {str(tiny_text_generation)!r})
nb.set_setting(0, "max_new_tokens", 8)
chunks = []
nb.engine.subscribe(lambda e: chunks.append(e.chunk) if isinstance(e, TextChunk) else None)
outcome = nb.engine.run(nb.names()[0])
heavy = sorted(m for m in ("torch", "transformers", "diffusers", "huggingface_hub.inference._client")
               if m in sys.modules)
print(json.dumps({{"status": outcome.status, "message": outcome.message, "chunks": len(chunks),
                  "heavy": heavy, "child": model_host.shared_host().pid}}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180,
                            env={**os.environ, "TUINB_LOCAL_PROCESS": "1"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == "finished", report["message"]
    assert report["chunks"] >= 1
    assert report["heavy"] == []
    child = report["child"]
    assert isinstance(child, int) and child > 0
    wait_until(lambda: _gone(child), timeout=10, message="the child to exit with its parent")
    assert result.stderr == ""  # nothing from the child reached the parent's terminal


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # an exited child that nobody reaped yet is gone too
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


# -- cancel ------------------------------------------------------------------------------------------------


@pytest.mark.serial  # a wall-clock bound on cancel
def test_cancel_mid_generation_returns_at_once_and_keeps_the_outputs(shared, tiny_text_generation):
    nb = local_notebook(tiny_text_generation, max_new_tokens=4)
    name = nb.names()[0]
    assert nb.engine.run(name).ok
    before = list(nb.doc.prompts[0].outputs)
    nb.set_setting(0, "max_new_tokens", 100)
    nb.set_setting(0, "min_new_tokens", 100)
    cancelled_at: list[float] = []

    def cancel_on_first_chunk(event) -> None:  # noqa: ANN001 - the engine's worker thread
        if isinstance(event, TextChunk) and not cancelled_at:
            cancelled_at.append(time.monotonic())
            nb.engine.cancel(name)

    nb.engine.subscribe(cancel_on_first_chunk)
    outcome = nb.engine.run(name)
    assert cancelled_at and time.monotonic() - cancelled_at[0] < 0.5
    assert outcome.status == "cancelled"
    assert nb.doc.prompts[0].outputs == before


@pytest.mark.serial  # a wall-clock bound on cancel
def test_cancel_does_not_wait_for_a_child_that_cannot_stop(shared, tiny_text_generation):
    """A stopped child stands in for one stuck in from_pretrained(): the parent still returns promptly."""
    nb = local_notebook(tiny_text_generation, max_new_tokens=4)
    name = nb.names()[0]
    assert nb.engine.run(name).ok
    before = list(nb.doc.prompts[0].outputs)
    pid = shared.pid
    log = EventLog()
    nb.engine.subscribe(log)
    os.kill(pid, signal.SIGSTOP)
    try:
        future = nb.engine.submit(name)
        wait_until(lambda: _pending_runs(shared) == 1, message="the run to reach the host")
        started = time.monotonic()
        nb.engine.cancel(name)
        outcome = future.result(timeout=5)
        assert time.monotonic() - started < 0.5
        assert outcome.status == "cancelled" and log.of_type(RunCancelled)
        assert nb.doc.prompts[0].outputs == before
    finally:
        os.kill(pid, signal.SIGCONT)
    assert nb.engine.run(name).ok  # the child dropped the cancelled run and serves the next one
    assert shared.pid == pid


# -- failures ----------------------------------------------------------------------------------------------


def test_a_parser_error_in_the_child_arrives_as_parser_error(shared, host, tmp_path):
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    request = make_request(GEN, settings={"model": str(empty)})
    with pytest.raises(ParserError, match="cannot load the model in") as caught:
        host.run(default_registry().get(GEN), request, Recorder())
    assert type(caught.value) is ParserError

    nb = local_notebook(empty)
    outcome = nb.engine.run(nb.names()[0])
    error = outcome.error
    assert outcome.status == "failed" and isinstance(error, Error)
    assert error.ename == "ParserError" and error.evalue.startswith("cannot load the model in")
    assert error.traceback == []
    assert nb.doc.prompts[0].outputs == []  # reported, not stored


def test_other_failures_keep_their_class_name_and_the_childs_traceback(shared, host, tiny_text_generation):
    # More sequences than beams is refused inside transformers' generate with a ValueError.
    settings = {"num_beams": 2, "num_return_sequences": 5, "max_new_tokens": 4}
    nb = local_notebook(tiny_text_generation, **settings)
    outcome = nb.engine.run(nb.names()[0])
    error = outcome.error
    assert outcome.status == "failed" and isinstance(error, Error)
    assert error.ename == "ValueError"
    assert error.evalue and "num_return_sequences" in error.evalue
    text = "".join(error.traceback)
    assert "Traceback" in text and "ValueError" in text and "generate" in text  # the child's stack
    assert nb.doc.prompts[0].outputs == [] and "Traceback" not in nb.to_string()  # its paths stay out of the file

    request = make_request(GEN, settings={"model": tiny_text_generation, **settings})
    with pytest.raises(RemoteError) as caught:
        host.run(default_registry().get(GEN), request, Recorder())
    assert caught.value.ename == "ValueError"


def test_a_killed_child_fails_the_waiting_run_clearly_and_the_next_run_gets_a_new_one(shared, tiny_text_generation):
    nb = local_notebook(tiny_text_generation, max_new_tokens=4)
    name = nb.names()[0]
    assert nb.engine.run(name).ok
    before = list(nb.doc.prompts[0].outputs)
    old = shared.pid
    os.kill(old, signal.SIGSTOP)  # keeps the run waiting in the child until the kill
    future = nb.engine.submit(name)
    wait_until(lambda: _pending_runs(shared) == 1, message="the run to reach the host")
    os.kill(old, signal.SIGKILL)
    outcome = future.result(timeout=15)
    assert outcome.status == "failed"
    assert "the local model process stopped unexpectedly (exit code -9, SIGKILL)" in outcome.message
    assert str(shared.log_path) in outcome.message
    error = outcome.error
    assert isinstance(error, Error) and error.ename == "ParserError" and error.traceback == []
    assert before and nb.doc.prompts[0].outputs == before  # the last good run's outputs stay

    again = nb.engine.run(name)
    assert again.ok, again.message
    assert shared.pid is not None and shared.pid != old


def test_unload_drops_the_childs_models(shared, tiny_text_generation):
    nb = local_notebook(tiny_text_generation, max_new_tokens=2)
    name = nb.names()[0]
    assert nb.engine.run(name).ok
    assert shared.unload() >= 1
    log = EventLog()
    nb.engine.subscribe(log)
    assert nb.engine.run(name).ok
    assert any(e.message.startswith("loading ") for e in log.of_type(RunProgress))  # loaded again


# -- what stays in-process ---------------------------------------------------------------------------------


class UserLocal(ModelParser):
    """A parser from a notebook's model_parsers.py: the child does not have it."""

    id = "UserLocal"
    label = "User local"
    local = True
    ran_in: list[tuple[int, str]] = []

    def run(self, request, ctx):  # noqa: ANN001, ANN201
        self.ran_in.append((os.getpid(), threading.current_thread().name))
        ctx.stream("here")
        return [text_output("user: " + (request.prompt_text or ""))]


def test_user_registered_local_parsers_run_in_process(shared):
    nb = Notebook.new(None, options=RunOptions(local_process=True))
    nb.registry.register(UserLocal())
    nb.add_prompt(model="UserLocal", input="hi")
    UserLocal.ran_in.clear()
    outcome = nb.engine.run(nb.names()[0])
    assert outcome.ok and outcome.outputs[0].data == "user: hi"
    assert [pid for pid, _ in UserLocal.ran_in] == [os.getpid()]
    # A user subclass of a built-in local parser is user code too.
    builtin = type(default_registry().get(GEN))
    assert hosted(default_registry().get(GEN))
    assert not hosted(type("MyGen", (builtin,), {})())
    patched = type(builtin.__name__, (builtin,), {"__module__": builtin.__module__, "run": UserLocal.run})
    assert not hosted(patched())  # a built-in id and module, but a run() from model_parsers.py
    assert not hosted(default_registry().get("Text Generation"))  # remote parsers never go there


def test_tuinb_local_process_0_keeps_runs_in_process(shared, monkeypatch, tiny_text_generation):
    nb = local_notebook(tiny_text_generation, max_new_tokens=2)
    refuse_in_process(monkeypatch)
    monkeypatch.setenv("TUINB_LOCAL_PROCESS", "0")
    assert nb.engine.run(nb.names()[0]).message == IN_PROCESS
    monkeypatch.delenv("TUINB_LOCAL_PROCESS")
    assert nb.engine.run(nb.names()[0]).ok


def test_local_process_is_off_unless_asked(shared, monkeypatch, tiny_text_generation):
    """The Python API and `tuinb run` keep runs in-process: no UI competes for the GIL there."""
    assert RunOptions().local_process is False
    nb = local_notebook(tiny_text_generation, max_new_tokens=2)
    nb.options.local_process = False
    refuse_in_process(monkeypatch)
    assert nb.engine.run(nb.names()[0]).message == IN_PROCESS


# -- the TUI -----------------------------------------------------------------------------------------------


async def test_the_app_runs_a_local_model_through_the_host(shared, monkeypatch, tmp_path, tiny_text_generation):
    from fixtures.ui_app import hello_local_notebook, wait_for

    from tui_notebook.ui.app import TuinbApp

    nb = hello_local_notebook(tmp_path, tiny_text_generation)
    nb.options.local_process = True  # what ui/launch.py sets
    refuse_in_process(monkeypatch)
    app = TuinbApp(nb)
    log = EventLog()
    nb.engine.subscribe(log)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        prompt = nb.doc.prompts[0]
        await wait_for(pilot, lambda: app.runs.state(prompt).status not in ("queued", "running", "idle"),
                       timeout=60, message="the run to end")
        assert app.runs.state(prompt).status == "finished", app.runs.state(prompt)
        assert prompt.outputs[0].data.startswith("Hello world")
        assert log.of_type(RunStarted) and log.of_type(TextChunk)


def test_the_child_runs_at_a_lower_priority_than_the_app(shared, tiny_text_generation):
    """On a machine with few cores the app must win the CPU over torch's threads (key presses stay prompt)."""
    nb = local_notebook(tiny_text_generation, max_new_tokens=2)
    assert nb.engine.run(nb.names()[0]).ok
    fields = Path(f"/proc/{shared.pid}/stat").read_text().rsplit(")", 1)[1].split()
    child_nice = int(fields[16])  # field 19 of stat: nice
    from tui_notebook.engine.model_host_main import NICE

    assert child_nice == min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICE) and NICE == 19
    # The nice value only counts within a scheduling group, and Linux groups processes by session: the child
    # shares the app's session, in a process group of its own (a ctrl+c at the terminal reaches the app only).
    assert os.getsid(shared.pid) == os.getsid(0)
    assert os.getpgid(shared.pid) == shared.pid != os.getpgid(0)


def _child_has_torch(pid: int) -> bool:
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def test_prepare_local_starts_the_child_and_imports_torch_before_any_run(tmp_path, monkeypatch,
                                                                           tiny_text_generation):
    fresh = LocalModelHost(log_path=tmp_path / "model-host.log")
    monkeypatch.setattr(model_host, "_shared", fresh)
    monkeypatch.delenv("TUINB_LOCAL_PROCESS", raising=False)
    try:
        remote_only = Notebook.new(None, options=RunOptions(local_process=True))
        remote_only.add_prompt(model="Text Generation", input="hi")
        assert remote_only.engine.prepare_local() is False and fresh.pid is None  # nothing local: no process

        nb = local_notebook(tiny_text_generation, max_new_tokens=2)
        assert nb.engine.prepare_local() is True
        assert fresh.pid is not None
        wait_until(lambda: _child_has_torch(fresh.pid), timeout=60, message="torch to be imported in the child")
        assert nb.engine.run(nb.names()[0]).ok  # and the warm child runs cells as usual
    finally:
        fresh.shutdown()


async def test_the_app_prepares_the_local_model_process_after_start(tmp_path, monkeypatch, tiny_text_generation):
    from tui_notebook.ui.app import TuinbApp

    fresh = LocalModelHost(log_path=tmp_path / "model-host.log")
    monkeypatch.setattr(model_host, "_shared", fresh)
    monkeypatch.delenv("TUINB_LOCAL_PROCESS", raising=False)
    nb = local_notebook(tiny_text_generation, max_new_tokens=2)
    try:
        async with TuinbApp(nb).run_test(size=(100, 30)) as pilot:
            assert fresh.pid is None  # not before the notebook is on screen
            await pilot.pause(1.5)
            assert fresh.pid is not None
    finally:
        fresh.shutdown()
