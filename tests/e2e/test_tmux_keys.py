"""Keyboard-first in a real terminal (tmux at 80x24): panels in and out with one key, JupyterLab's shift+enter
and ctrl+enter as tmux sends them with ``extended-keys always``, and the footer's essential keys.

The notebook's cells run on an echo parser registered by a trusted ``model_parsers.py`` beside it (no model)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from tmux_harness import MARKS, TUINB, Tmux

from tui_notebook.document import load_path

pytestmark = MARKS

ECHO_PARSERS = '''
from tui_notebook.parser_api import ModelParser, text_output


class Echo(ModelParser):
    id = "Echo"
    label = "Echo"
    task = "text-generation"
    settings_schema = {"type": "object", "properties": {"model": {"type": "string"}, "level": {"type": "integer"}}}

    def run(self, request, ctx):
        return [text_output("echo: " + (request.prompt_text or ""))]


def register_model_parsers(registry):
    registry.register(Echo())
'''


class KeysTmux(Tmux):
    """A tmux server that passes modified keys on as CSI u (``extended-keys always``, set before the pane opens,
    as a user's ~/.tmux.conf does), at 80x24."""

    def start(self, *args: str) -> None:
        conf = self.cwd / "tmux.conf"
        conf.write_text("set -s extended-keys always\n")
        exports = " ".join(f"{k}={v}" for k, v in self.env.items())
        command = f"cd {self.cwd} && env -u COLUMNS -u LINES {exports} {TUINB} {' '.join(args)}; sleep 600"
        subprocess.run([*self.socket, "kill-session", "-t", self.name], capture_output=True)
        subprocess.run([*self.socket, "-f", str(conf), "new-session", "-d", "-s", self.name, "-x", "80", "-y", "24",
                        command], check=True)
        subprocess.run([*self.socket, "resize-window", "-t", self.name, "-x", "80", "-y", "24"], capture_output=True)


@pytest.fixture
def small_terminal(tmp_path):
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    (work / "model_parsers.py").write_text(ECHO_PARSERS)
    doc = {"name": "keys", "schema_version": "latest", "metadata": {"parameters": {}, "models": {}},
           "description": "A notebook for trying the keys.\nIts second line.",
           "prompts": [{"name": "first", "input": "one", "metadata": {"model": "Echo"}},
                       {"name": "second", "input": "two", "metadata": {"model": "Echo"}}]}
    (work / "keys.aiconfig.json").write_text(json.dumps(doc))
    env = {"HOME": str(home), "TUINB_CONFIG_DIR": str(home / "config"), "TUINB_DATA_DIR": str(home / "data"),
           "TUINB_CACHE_DIR": str(home / "cache"), "TERM": "xterm-256color"}
    session = KeysTmux(f"tuinb-keys-{os.getpid()}", work, env)
    yield session
    session.kill()


def footer(session: Tmux) -> str:
    return session.screen().rstrip("\n").splitlines()[-1]


def test_shift_enter_and_ctrl_enter_as_tmux_sends_them(small_terminal):
    path = small_terminal.cwd / "keys.aiconfig.json"
    small_terminal.start("keys.aiconfig.json", "--trust-parsers")
    small_terminal.wait("first")
    small_terminal.keys("S-Enter")  # run "first", move to "second"
    small_terminal.wait("echo: one")
    small_terminal.keys("C-Enter")  # run "second" in place
    small_terminal.wait("echo: two")
    small_terminal.keys("S-Enter")  # the last cell: run it again, then a new cell in edit mode
    small_terminal.wait("prompt_3")
    small_terminal.type("three")
    small_terminal.keys("S-Enter")  # run the new cell from edit mode
    small_terminal.wait("echo: three")
    small_terminal.keys("C-s")
    small_terminal.wait("keys ●", gone=True)
    doc = load_path(path).doc
    assert [p.name for p in doc.prompts] == ["first", "second", "prompt_3", "prompt_4"]
    assert [p.outputs[0].data if p.outputs else None for p in doc.prompts] == \
        ["echo: one", "echo: two", "echo: three", None]


def test_sidebar_in_and_out_and_the_footer_at_80x24(small_terminal):
    path = small_terminal.cwd / "keys.aiconfig.json"
    small_terminal.start("keys.aiconfig.json", "--trust-parsers")
    small_terminal.wait("first")
    for essential in ("? Help", "^s Save", "^q Quit"):
        assert essential in footer(small_terminal), footer(small_terminal)
    small_terminal.keys("s", pause=0.6)  # the focus goes to the first field: model
    small_terminal.wait("Settings")
    assert "Back to the cell" in footer(small_terminal)
    small_terminal.type("tiny")
    small_terminal.keys("Escape", pause=1.0)  # back to the cell
    assert "Close the sidebar" in footer(small_terminal)
    small_terminal.keys("j", pause=0.6)  # a command again: the next cell
    small_terminal.keys("Escape", pause=1.0)  # escape again: the sidebar closes
    small_terminal.wait("Settings", gone=True)
    small_terminal.keys("C-s")
    small_terminal.wait("keys ●", gone=True)
    doc = load_path(path).doc
    assert doc.prompts[0].metadata.model.settings == {"model": "tiny"}
