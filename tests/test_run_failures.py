"""A failed run never destroys work, and every successful run is undoable.

* a failure (a parser error, a remote 500, a local model that cannot load) leaves the cell's outputs as they were
  and writes nothing into the document; what went wrong is in the outcome and the RunFailed event;
* a successful run that replaces outputs is one undo step; run-all is one step per cell;
* nothing tuinb stores holds a traceback or the user's home folder.

The CLI side is in tests/test_cli.py, the UI side in tests/ui/test_run_failures_ui.py.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

import pytest

from tui_notebook import Notebook
from tui_notebook.document import load_path
from tui_notebook.document.models import Error
from tui_notebook.engine import EventLog, RunFailed
from tui_notebook.notebook import RunFailedError
from tui_notebook.parser_api import ModelParser, ParserError, error_output, text_output


class Flaky(ModelParser):
    """Returns ``ok: <prompt>``; fails while ``failing`` is set (``crash``: with a plain exception from deep
    inside, as a library would)."""

    id = "Flaky"
    label = "Flaky"

    def __init__(self) -> None:
        self.failing = False
        self.crash = False

    def run(self, request, ctx):  # noqa: ANN001, ANN201
        if self.crash:
            def deep() -> None:
                raise RuntimeError(f"exploded reading {Path.home() / 'secret' / 'weights.bin'}")
            deep()
        if self.failing:
            raise ParserError("the server said no")
        return [text_output(f"ok: {request.prompt_text}")]


def flaky_notebook(*inputs: str) -> tuple[Notebook, Flaky]:
    nb = Notebook.new(None)
    parser = Flaky()
    nb.registry.register(parser)
    for text in inputs:
        nb.add_prompt(model="Flaky", input=text)
    return nb, parser


def data(nb: Notebook, index: int = 0) -> list:
    return [o.data for o in nb.doc.prompts[index].outputs or []]


def test_a_failed_run_keeps_the_previous_outputs_and_reports_the_error():
    nb, parser = flaky_notebook("hello")
    nb.run_sync("prompt_1")
    kept = list(nb.doc.prompts[0].outputs)
    before = nb.to_string()
    revision = nb.revision
    parser.failing = True
    log = EventLog()
    nb.engine.subscribe(log)

    outcome = nb.engine.run("prompt_1")

    assert outcome.status == "failed" and outcome.message == "the server said no"
    assert outcome.outputs == kept  # the outcome reports the outputs the cell still has
    assert isinstance(outcome.error, Error) and outcome.error.ename == "ParserError"
    assert outcome.error.evalue == "the server said no"
    assert nb.doc.prompts[0].outputs == kept and nb.to_string() == before
    assert nb.revision == revision  # nothing in the document changed
    [failed] = log.of_type(RunFailed)
    assert failed.error == outcome.error and failed.message == "the server said no"


def test_a_failed_run_of_a_cell_without_outputs_writes_nothing():
    nb, parser = flaky_notebook("hello")
    parser.failing = True
    before = nb.to_string()
    outcome = nb.engine.run("prompt_1")
    assert outcome.status == "failed" and outcome.outputs == [] and outcome.error is not None
    assert nb.doc.prompts[0].outputs == [] and nb.to_string() == before


def test_the_python_api_raises_with_the_kept_outputs_and_the_error():
    nb, parser = flaky_notebook("hello")
    good = nb.run_sync("prompt_1")
    parser.failing = True
    with pytest.raises(RunFailedError) as caught:
        nb.run_sync("prompt_1")
    assert caught.value.outputs == good and caught.value.error.evalue == "the server said no"
    assert nb.doc.prompts[0].outputs == good


def test_a_failure_is_not_an_undo_step():
    nb, parser = flaky_notebook("hello")
    nb.run_sync("prompt_1")
    steps = len(nb.history.undo_steps)
    parser.failing = True
    nb.engine.run("prompt_1")
    assert len(nb.history.undo_steps) == steps


def test_a_remote_500_keeps_the_outputs_the_file_had(tmp_path, hf_server):
    path = tmp_path / "remote.aiconfig.json"
    path.write_text(json.dumps({"name": "remote", "metadata": {}, "prompts": [{
        "name": "sum", "input": "a long text to summarise",
        "metadata": {"model": {"name": "Summarization", "settings": {"model": hf_server.model_url("summarization")}}},
        "outputs": [{"output_type": "execute_result", "execution_count": 0, "data": "the caption from yesterday",
                     "metadata": {}}]}]}, indent=4))
    nb = Notebook.load(path)
    before = nb.to_string()
    hf_server.fail(500, message="internal trouble")
    outcome = nb.engine.run("sum")
    assert outcome.status == "failed" and "500" in outcome.message, outcome.message
    assert data(nb) == ["the caption from yesterday"] and nb.to_string() == before
    assert not nb.dirty
    # and the next run, once the server is back, replaces them
    assert nb.engine.run("sum").ok and data(nb) != ["the caption from yesterday"]


@pytest.mark.slow
def test_a_local_model_that_cannot_load_keeps_the_outputs(tmp_path):
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    path = tmp_path / "local.aiconfig.json"
    path.write_text(json.dumps({"name": "local", "metadata": {}, "prompts": [{
        "name": "gen", "input": "Hello",
        "metadata": {"model": {"name": "Text Generation (Local)", "settings": {"model": str(empty)}}},
        "outputs": [{"output_type": "execute_result", "execution_count": 0, "data": "Hello there", "metadata": {}}],
    }]}))
    nb = Notebook.load(path)
    before = nb.to_string()
    outcome = nb.engine.run("gen")
    assert outcome.status == "failed" and "cannot load the model" in outcome.message, outcome.message
    assert data(nb) == ["Hello there"] and nb.to_string() == before


def test_a_successful_run_is_one_undo_step_and_redo_applies_it_again():
    nb, _parser = flaky_notebook("first")
    nb.run_sync("prompt_1")
    nb.set_input_text(0, "second")
    nb.run_sync("prompt_1")
    assert data(nb) == ["ok: second"]

    step = nb.undo()
    assert step is not None and "run" in step.label
    assert data(nb) == ["ok: first"] and nb.doc.prompts[0].input == "second"  # only the outputs went back
    nb.redo()
    assert data(nb) == ["ok: second"]
    nb.undo()
    nb.undo()  # the edit of the input: the outputs stay what they are now
    assert nb.doc.prompts[0].input == "first" and data(nb) == ["ok: first"]
    nb.undo()  # the first run: the cell had no outputs
    assert data(nb) == []


def test_run_all_is_one_undo_step_per_cell():
    nb, _parser = flaky_notebook("one", "two", "three")
    nb.engine.run_all()
    nb.set_input_text(0, "uno")
    nb.set_input_text(1, "dos")
    nb.engine.run_all()
    assert [data(nb, i) for i in range(3)] == [["ok: uno"], ["ok: dos"], ["ok: three"]]
    nb.undo()  # the last cell run
    assert [data(nb, i) for i in range(3)] == [["ok: uno"], ["ok: dos"], ["ok: three"]]  # same text, new objects
    nb.undo()
    assert data(nb, 1) == ["ok: two"] and data(nb, 0) == ["ok: uno"]
    nb.undo()
    assert data(nb, 0) == ["ok: one"]
    nb.redo()
    nb.redo()
    assert data(nb, 0) == ["ok: uno"] and data(nb, 1) == ["ok: dos"]


def test_a_cancel_is_not_an_undo_step_and_keeps_the_outputs():
    from tui_notebook.parser_api import CancelToken

    nb, _parser = flaky_notebook("hello")
    nb.run_sync("prompt_1")
    kept, steps = list(nb.doc.prompts[0].outputs), len(nb.history.undo_steps)
    token = CancelToken()
    token.cancel()
    outcome = nb.engine.run("prompt_1", token=token)
    assert outcome.status == "cancelled" and nb.doc.prompts[0].outputs == kept
    assert len(nb.history.undo_steps) == steps


# -- what is stored holds no traceback and no local paths ---------------------------------------------------------

def _no_local_paths(text: str) -> None:
    assert "Traceback" not in text
    assert str(Path.home()) not in text and os.path.expanduser("~") not in text


def test_a_crash_deep_in_a_library_is_reported_with_its_stack_but_nothing_is_stored(tmp_path):
    path = tmp_path / "crash.aiconfig.json"
    nb, parser = flaky_notebook("hello")
    nb.run_sync("prompt_1")
    nb.save(path)
    parser.crash = True
    outcome = nb.engine.run("prompt_1")
    assert outcome.status == "failed" and outcome.error.ename == "RuntimeError"
    assert any("deep" in line for line in outcome.error.traceback)  # for the user, in the moment
    nb.save(path)
    _no_local_paths(path.read_text())
    assert data(Notebook.load(path)) == ["ok: hello"]


class ReturnsAnError(ModelParser):
    """A parser that reports its failure as an Error output with a full traceback (older plugins do this)."""

    id = "ReturnsAnError"

    def run(self, request, ctx):  # noqa: ANN001, ANN201
        try:
            open(Path.home() / "no-such-dir" / "model.bin")  # noqa: SIM115
        except OSError as exc:
            return [error_output(exc, traceback.format_exception(exc))]
        raise AssertionError("the file should not exist")


def test_an_error_output_a_parser_returns_is_stored_without_traceback_or_home(tmp_path):
    nb = Notebook.new(None)
    nb.registry.register(ReturnsAnError())
    nb.add_prompt(model="ReturnsAnError", input="x")
    [error] = nb.run_sync("prompt_1")
    assert isinstance(error, Error) and error.ename == "FileNotFoundError"
    assert error.traceback == [] and "~/no-such-dir/model.bin" in error.evalue
    path = nb.save(tmp_path / "stored.aiconfig.json")
    _no_local_paths(path.read_text())
    [loaded] = load_path(path).doc.prompts[0].outputs
    assert loaded.evalue == error.evalue
