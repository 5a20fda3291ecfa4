"""End to end in tmux: a cell whose template has empty references names them under the prompt, and running it
asks first; "no" sends nothing."""

from __future__ import annotations

import json
import time

import pytest
from tmux_harness import MARKS, person_with_parsers

from tui_notebook.document import load_path

pytestmark = MARKS

PARSERS = '''
from pathlib import Path
from tui_notebook.parser_api import ModelParser, text_output

class Echo(ModelParser):
    id = "Echo"
    def run(self, request, ctx):
        with open(Path(__file__).with_name("sent.txt"), "a") as sent:
            sent.write(request.prompt_text + "\\n")
        return [text_output("echo " + request.prompt_text)]

def register_model_parsers(registry):
    registry.register(Echo())
'''


@pytest.fixture
def person(tmp_path):
    session = person_with_parsers(tmp_path, "refs", PARSERS)
    yield session
    session.kill()


def test_empty_references_are_named_and_asked_about(person):
    path = person.cwd / "refs.aiconfig.json"
    path.write_text(json.dumps({"name": "refs", "metadata": {"default_model": "Echo", "parameters": {"who": "me"}},
                                "prompts": [{"name": "ask", "input": "hi {{who}} {{nope}} {{later.output}}"},
                                            {"name": "later", "input": "x"}]}))
    person.start(str(path), "--trust-parsers")
    person.wait("{{nope}}: no such parameter", timeout=30)
    person.wait("{{later.output}}: cell 'later' is below this one")
    person.keys("r")
    person.wait("Send with 2 empty references?")
    person.keys("n")
    person.wait("Send with 2 empty references?", gone=True)
    assert not (person.cwd / "sent.txt").exists()
    person.keys("r")
    person.wait("Send with 2 empty references?")
    person.keys("y")
    person.wait("echo hi me")
    assert (person.cwd / "sent.txt").read_text() == "hi me  \n"
    person.keys("C-s")
    deadline = time.monotonic() + 10
    while not load_path(path).doc.prompts[0].outputs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert load_path(path).doc.prompts[0].outputs[0].data == "echo hi me  "
