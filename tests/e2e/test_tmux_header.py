"""End to end in tmux at 80 columns: a cell whose model setting is a long folder still shows its run's status on
its one-line header (the model is shortened from the left, keeping the folder's name)."""

from __future__ import annotations

import json
import subprocess

import pytest
from tmux_harness import MARKS, person_with_parsers

pytestmark = MARKS

PARSERS = '''
from tui_notebook.parser_api import ModelParser, text_output

class Echo(ModelParser):
    id = "Echo"
    def run(self, request, ctx):
        return [text_output("echo " + request.prompt_text)]

def register_model_parsers(registry):
    registry.register(Echo())
'''

LONG = "/home/someone/projects/models/checkpoints/2024-11/a-rather-long-folder-name/tiny-gpt2"


@pytest.fixture
def person(tmp_path):
    session = person_with_parsers(tmp_path, "header", PARSERS)
    yield session
    session.kill()


def test_the_run_status_stays_on_the_header_at_80_columns(person):
    path = person.cwd / "long.aiconfig.json"
    path.write_text(json.dumps({"name": "long", "metadata": {}, "prompts": [
        {"name": "story", "input": "hello", "metadata": {"model": {"name": "Echo", "settings": {"model": LONG}}}}]}))
    person.start(str(path), "--trust-parsers")
    subprocess.run([*person.socket, "resize-window", "-t", person.name, "-x", "80", "-y", "24"], check=True)
    person.wait("story", timeout=30)
    person.keys("r")
    screen = person.wait("echo hello")
    screen = person.wait("● done")
    [header] = [line for line in screen.splitlines() if " story " in line]
    assert "tiny-gpt2" in header and "…" in header and LONG not in header
