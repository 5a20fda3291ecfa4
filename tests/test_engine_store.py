"""The engine runs against any :class:`DocumentStore`: these tests give it a fake one (a plain list of cells, no
Notebook), and check that no engine module imports the notebook."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

from tui_notebook.consent import gate_for
from tui_notebook.document.models import Prompt
from tui_notebook.engine import Engine, EventLog, RunFailed, RunFinished, RunStarted
from tui_notebook.parser_api import ModelParser, NotRunnable, ParserError, RunRequest, text_output

ENGINE_DIR = Path(__file__).resolve().parent.parent / "tui_notebook" / "engine"


class Upper(ModelParser):
    id = "Upper"
    label = "Upper"

    def run(self, request, ctx):
        if request.prompt_text == "FAIL":
            raise ParserError("asked to fail")
        return [text_output(request.prompt_text.upper())]


class FakeStore:
    """The smallest store: cells in a list, every cell runs ``Upper`` on its own input."""

    def __init__(self, *inputs: str) -> None:
        self.lock = threading.RLock()
        self.cells = [Prompt(name=f"c{i}", input=text, outputs=[]) for i, text in enumerate(inputs, 1)]
        self.written: list[tuple[str, list]] = []

    def find(self, name):
        return next((p for p in reversed(self.cells) if p.name == name), None)

    def prompts(self):
        return list(self.cells)

    def contains(self, prompt):
        return any(p is prompt for p in self.cells)

    def dependencies(self, prompt):
        return []

    def parsers(self):
        return [Upper()]

    def prepare(self, prompt, params, options, gate):
        if not self.contains(prompt):
            raise NotRunnable("the cell was deleted")
        return Upper(), RunRequest(prompt_name=prompt.name, model_name="Upper", prompt_text=prompt.input,
                                   attachments=[], settings={}, notebook_dir=Path("."), options=options,
                                   prompt=prompt, gate=gate or gate_for(options))

    def replace_outputs(self, prompt, outputs):
        self.written.append((prompt.name, list(outputs)))
        prompt.outputs = list(outputs)


def test_a_run_reads_through_the_store_and_writes_its_outputs_back():
    store = FakeStore("hello")
    log = EventLog()
    engine = Engine(store, on_event=log)
    outcome = engine.run("c1")
    assert outcome.ok
    assert [(name, [o.data for o in outputs]) for name, outputs in store.written] == [("c1", ["HELLO"])]
    assert [type(e) for e in log.events] == [RunStarted, RunFinished]


def test_a_failed_run_writes_nothing_to_the_store():
    store = FakeStore("FAIL")
    log = EventLog()
    outcome = Engine(store, on_event=log).run("c1")
    assert outcome.status == "failed" and "asked to fail" in outcome.message
    assert store.written == [] and isinstance(log.events[-1], RunFailed)


def test_run_all_goes_through_the_stores_cells_in_order_and_stops_at_a_failure():
    store = FakeStore("a", "FAIL", "c")
    outcomes = Engine(store).run_all()
    assert [(o.prompt_name, o.status) for o in outcomes] == [("c1", "finished"), ("c2", "failed")]
    assert [name for name, _ in store.written] == ["c1"]


def test_a_cell_the_store_no_longer_holds_is_not_run():
    store = FakeStore("a")
    cell = store.cells[0]
    engine = Engine(store)
    store.cells.clear()
    outcome = engine.run("c1") if store.find("c1") else None
    assert outcome is None and engine.run_all() == [] and store.written == [] and cell.outputs == []


def _imported_modules(path: Path) -> set[str]:
    """The modules ``path`` imports, relative imports resolved against the ``tui_notebook.engine`` package."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ["tui_notebook", "engine"][: max(0, 2 - (node.level - 1))] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_no_engine_module_imports_the_notebook_or_the_session():
    modules = sorted(ENGINE_DIR.glob("*.py"))
    assert ENGINE_DIR / "engine.py" in modules
    for path in modules:
        imported = _imported_modules(path)
        bad = {m for m in imported
               if m.startswith(("tui_notebook.notebook", "tui_notebook.session", "tui_notebook.ui"))}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_import_walk_sees_relative_imports():
    """The check above would pass vacuously if relative imports were misread: the engine's own do resolve."""
    imported = _imported_modules(ENGINE_DIR / "engine.py")
    assert "tui_notebook.engine.events" in imported and "tui_notebook.consent" in imported


def test_run_all_passes_over_the_cells_taken_out_of_its_plan():
    from tui_notebook.engine.plan import RunPlan

    store = FakeStore("a", "b", "c")
    plan = RunPlan(store.prompts(), start=store.cells[0])
    assert plan.skip(store.cells[1]) and not plan.skip(store.cells[1])  # a second skip changes nothing
    outcomes = Engine(store).run_all(plan=plan)
    assert [o.prompt_name for o in outcomes] == ["c1", "c3"]


def test_every_event_of_a_run_finds_its_cell_by_run_id_even_after_a_rename():
    store = FakeStore("hello")
    engine = Engine(store)
    seen: list[tuple[str, object]] = []

    def sink(event):
        if isinstance(event, RunStarted):
            store.cells[0].name = "renamed"  # the event still says "c1"
        seen.append((type(event).__name__, engine.prompt_of(event.run_id)))

    engine.subscribe(sink)
    engine.run("c1")
    assert seen and all(prompt is store.cells[0] for _, prompt in seen)
    assert engine.prompt_of(1) is None  # the run is over


def test_a_cells_run_state_follows_the_events_and_is_kept_by_identity():
    from tui_notebook.engine import RunFailed as Failed
    from tui_notebook.engine import RunStarted as Started
    from tui_notebook.run_state import RunStates

    states = RunStates()
    cell = Prompt(name="c1", input="x", outputs=[])
    twin = Prompt(name="c1", input="x", outputs=[])
    states.of(cell).queue("starting")
    states.of(cell).apply(Started(1, "c1", "m", "p", "x"))
    assert states.get(cell).status == "running" and states.get(twin).status == "idle"
    states.of(cell).apply(Failed(1, "c1", message="boom"))
    assert states.get(cell).failure is not None and states.get(cell).failure.evalue == "boom"
    assert states.of(cell).dismiss_failure() and states.get(cell).status == "idle"


def test_a_session_tells_one_listener_of_edits_and_of_run_events_with_their_cell():
    from tui_notebook import Notebook
    from tui_notebook.session import CellEvent, DocumentChanged

    nb = Notebook.new(None)
    nb.registry.register(Upper())
    nb.add_prompt(name="first", model="Upper", input="hi")
    session = nb.session
    heard: list = []
    session.subscribe(heard.append)
    nb.set_input_text(0, "hello")
    assert heard == [DocumentChanged(nb.revision)]
    assert session._engine is None  # listening builds no engine
    prompt = nb.doc.prompts[0]
    assert [o.data for o in session.run_sync("first")] == ["HELLO"]
    events = [h for h in heard if isinstance(h, CellEvent)]
    assert [type(e.event) for e in events] == [RunStarted, RunFinished]
    assert all(e.prompt is prompt for e in events)
    assert any(isinstance(h, DocumentChanged) for h in heard[1:])  # the run's outputs
    assert nb.session is session and nb.engine is session.engine  # the API, the CLI and the UI share it
