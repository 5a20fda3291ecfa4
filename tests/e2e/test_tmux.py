"""End to end: drive the real ``tuinb`` in tmux the way a person would.

Open a NEW file, set a global parameter with ``g``, add a cell with ``b``, pick a model with ``m``, type a
prompt that uses the parameter, run it on a tiny local GPT-2 (the real transformers pipeline, through a trusted
``model_parsers.py`` beside the notebook that registers "Tiny GPT-2 (Local)" = the local text-generation
parser whose default model is the tiny model's directory), save, quit. Then the saved file loads and has the
cell, the parameter and the output, and reopening it in tuinb shows that output.

Everything runs with a temporary HOME / TUINB_CONFIG_DIR / TUINB_DATA_DIR.
"""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from tmux_harness import MARKS, Tmux

from tui_notebook.document import Error, load_path

pytestmark = MARKS

PARSERS = '''
from tui_notebook.parsers.huggingface import TASKS, make_parser

TINY = {tiny!r}


def register_model_parsers(registry):
    spec = next(s for s in TASKS if s.task == "text-generation")
    parser = make_parser(spec, "TinyGPT2Local", local=True)
    type(parser).default_model = TINY
    type(parser).label = "Tiny GPT-2 (Local)"
    run = type(parser).run

    def run_short(self, request, ctx):
        request.settings.setdefault("max_new_tokens", 8)  # the tiny model has few positions
        return run(self, request, ctx)

    type(parser).run = run_short
    registry.register(parser, ["Tiny GPT-2 (Local)"])
'''


@pytest.fixture
def person(tmp_path, tiny_text_generation):
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "model_parsers.py").write_text(PARSERS.format(tiny=str(tiny_text_generation)))
    env = {
        "HOME": str(home),
        "TUINB_CONFIG_DIR": str(home / "config"),
        "TUINB_DATA_DIR": str(home / "data"),
        "TUINB_CACHE_DIR": str(home / "cache"),
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "TERM": "xterm-256color",
    }
    session = Tmux(f"tuinb-e2e-{os.getpid()}", work, env)
    yield session
    session.kill()


def test_new_notebook_parameter_local_model_save_reopen(person):
    path = person.cwd / "story.aiconfig.json"
    assert not path.exists()
    person.start("story.aiconfig.json", "--trust-parsers")
    person.wait("no cells yet")

    # A global parameter: g, name, tab, value, enter, escape.
    person.keys("g")
    person.wait("Global parameters")
    time.sleep(0.6)  # a person looks at the dialog before typing (its input takes focus after the first paint)
    person.type("who", pause=0.6)
    person.keys("Tab", pause=0.6)
    person.type("world", pause=0.6)
    person.keys("Enter", pause=0.6)
    # "world" is on screen before enter is handled (typed into the entry row), and the entry row is emptied a
    # frame before the new row is drawn: added means the entry row's placeholder and the row's value both show.
    screen = person.wait_for("the parameter added and the entry row empty again",
                             lambda s: "new name" in s and "world" in s and "No parameters yet." not in s)
    assert "whoworld" not in screen, screen
    person.keys("Escape")
    person.wait("Global parameters", gone=True)

    # A cell, its model, its prompt.
    person.keys("b")
    person.wait("prompt_1")
    person.keys("m")
    person.wait("Choose a model")
    person.type("Tiny GPT-2")
    person.keys("Enter")
    person.wait("Choose a model", gone=True)
    person.wait("prompt_1  Tiny GPT-2 (Local)")
    person.keys("Enter")
    person.type("Hello {{who}}")
    person.keys("Escape")
    person.wait("Hello {{who}}")

    # Run it: status goes to done and the generated text (which starts with the resolved prompt) shows.
    person.keys("r")
    person.wait("● done", timeout=90)
    person.wait("Hello world")

    person.keys("C-s")
    person.wait("story.aiconfig.json (new file)", gone=True)  # saved: no longer a new file, no dirty dot
    screen = person.screen()
    assert path.exists() and "story ●" not in screen, f"saved={path.exists()} on screen:\n{screen}"
    person.keys("C-q")
    person.wait("story.aiconfig.json", gone=True, timeout=10)  # quit without asking (nothing unsaved)

    doc = load_path(path).doc
    assert doc.metadata.parameters == {"who": "world"}
    assert [p.name for p in doc.prompts] == ["prompt_1"]
    prompt = doc.prompts[0]
    assert prompt.input == "Hello {{who}}"
    assert prompt.metadata.model == "Tiny GPT-2 (Local)"
    assert prompt.outputs and not isinstance(prompt.outputs[0], Error)
    generated = prompt.outputs[0].data
    assert isinstance(generated, str) and generated.startswith("Hello world")

    # The saved file opens in tuinb again and shows the cell and its output.
    person.start("story.aiconfig.json", "--read-only")
    person.wait("prompt_1")
    screen = person.wait("Hello world")  # the stored output, drawn as Markdown
    assert "Hello {{who}}" in screen and "[read-only]" in screen


@pytest.fixture
def terminal(tmp_path):
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = {"HOME": str(home), "TUINB_CONFIG_DIR": str(home / "config"), "TUINB_DATA_DIR": str(home / "data"),
           "TUINB_CACHE_DIR": str(home / "cache"), "TERM": "xterm-256color"}
    session = Tmux(f"tuinb-burst-{os.getpid()}", work, env)
    yield session
    session.kill()


def test_keys_sent_in_one_burst_each_reach_their_widget(terminal):
    """tmux writes one send-keys into the terminal at once, as a paste or a fast typist over SSH does: the keys
    behind one that opens an editor or a rename box go into it, not to the cells as commands."""
    path = terminal.cwd / "burst.aiconfig.json"
    terminal.start("burst.aiconfig.json")
    terminal.wait("no cells yet")
    terminal.burst("b", "Enter", "H", "i", "Space", "y", "o", "u")  # add a cell, edit it, type
    terminal.wait("Hi you")
    terminal.keys("Escape", pause=1.0)  # alone: an escape with a key right behind it reads as alt+key
    terminal.burst("n", "a", "b", "c", "Enter", "b", "Enter", "X", "Y")  # rename, add a cell below, edit it
    terminal.wait("XY")
    terminal.keys("Escape", pause=1.0)
    terminal.keys("C-s")
    terminal.wait("burst.aiconfig.json (new file)", gone=True)
    doc = load_path(path).doc
    assert [(p.name, p.input) for p in doc.prompts] == [("abc", "Hi you"), ("prompt_2", "XY")]


def test_a_failed_run_keeps_the_outputs_and_z_takes_a_successful_run_back(terminal, hf_server):
    """Offline or a server error on a cell with good outputs: they stay, the error shows apart and goes with esc;
    nothing is written (ctrl+q would quit without asking). A later successful run is one undo step."""
    path = terminal.cwd / "captions.aiconfig.json"
    path.write_text(json.dumps({"name": "captions", "metadata": {}, "prompts": [{
        "name": "sum", "input": "alpha beta gamma delta",
        "metadata": {"model": {"name": "Summarization", "settings": {"model": hf_server.model_url("summarization")}}},
        "outputs": [{"output_type": "execute_result", "execution_count": 0, "data": "caption from yesterday",
                     "metadata": {}}]}]}, indent=3))
    original = path.read_bytes()
    terminal.env.update({"HF_TOKEN_PATH": str(terminal.cwd / "no-token"), "HF_HUB_OFFLINE": "0"})
    terminal.start("captions.aiconfig.json")
    terminal.wait("caption from yesterday")

    hf_server.fail(500, message="internal trouble")
    terminal.keys("r")
    screen = terminal.wait("Run failed", timeout=30)
    assert "caption from yesterday" in screen and "esc dismisses" in screen and "● failed" in screen
    terminal.keys("Escape", pause=1.0)
    screen = terminal.wait("Run failed", gone=True)
    assert "caption from yesterday" in screen
    assert path.read_bytes() == original and "captions ●" not in screen  # nothing changed, nothing unsaved

    terminal.keys("r")
    terminal.wait("summary: alpha beta gamma", timeout=30)
    screen = terminal.wait("caption from yesterday", gone=True)
    terminal.keys("z")
    terminal.wait("caption from yesterday")
    terminal.keys("Z")
    terminal.wait("summary: alpha beta gamma")
    terminal.keys("C-s")
    terminal.wait("captions ●", gone=True)
    [output] = load_path(path).doc.prompts[0].outputs
    assert output.data == "summary: alpha beta gamma"


def test_save_as_in_a_real_terminal_then_editing_goes_on_in_the_new_file(terminal):
    """tmux (3.3) sends ctrl+shift+s as plain ctrl+s even with ``extended-keys always``, as most terminals do:
    alt+s is the save-as key every terminal sends. A terminal speaking the kitty keyboard protocol sends
    ctrl+shift+s as ``CSI 115;6 u``: written into the pane as those bytes, it opens the same dialog."""
    original = terminal.cwd / "first.aiconfig.json"
    terminal.start("first.aiconfig.json")
    subprocess.run([*terminal.socket, "set", "-s", "extended-keys", "always"], check=True)
    shown = subprocess.run([*terminal.socket, "show", "-s", "extended-keys"], capture_output=True, text=True).stdout
    assert shown.split() == ["extended-keys", "always"]
    terminal.wait("no cells yet")
    terminal.keys("b", "Escape")
    terminal.keys("C-s")
    terminal.wait("first.aiconfig.json (new file)", gone=True)
    assert len(load_path(original).doc.prompts) == 1

    terminal.keys("M-s")
    terminal.wait("Save as")
    terminal.keys("C-u")  # clear the suggested name
    terminal.type("second")
    terminal.keys("Enter")
    terminal.wait("Save as", gone=True)
    second = terminal.cwd / "second.aiconfig.json"
    assert second.exists()
    terminal.keys("b", "Escape", "C-s")  # plain save now writes the new file
    deadline = time.monotonic() + 10
    while len(load_path(second).doc.prompts) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(load_path(second).doc.prompts) == 2 and len(load_path(original).doc.prompts) == 1

    subprocess.run([*terminal.socket, "send-keys", "-t", terminal.name, "-H", "1b", "5b", "31", "31", "35", "3b", "36",
                    "75"], check=True)  # ctrl+shift+s from a kitty-protocol terminal
    terminal.wait("Save as")
    terminal.keys("C-u")
    terminal.type("third")
    terminal.keys("Enter")
    terminal.wait("Save as", gone=True)
    assert len(load_path(terminal.cwd / "third.aiconfig.json").doc.prompts) == 2


def test_a_notebook_asking_for_a_secret_gets_a_question_in_a_real_terminal(terminal):
    """A stranger's notebook names $AWS_SECRET_ACCESS_KEY and its own server: tuinb asks, naming both; escape
    sends nothing; allow once sends it to that server for that run."""
    import json

    from fixtures.hf_server import CHAT_TOKENS, FakeInferenceServer

    server = FakeInferenceServer()
    try:
        (terminal.cwd / "chat.aiconfig.json").write_text(json.dumps({"name": "chat", "metadata": {}, "prompts": [
            {"name": "ask", "input": "Hello?", "metadata": {"model": {"name": "OpenAI-compatible chat", "settings": {
                "base_url": f"{server.url}/v1", "api_key_env": "AWS_SECRET_ACCESS_KEY"}}}}]}))
        terminal.env["AWS_SECRET_ACCESS_KEY"] = "AKIAfromTheTerminal123"
        terminal.start("chat.aiconfig.json")
        screen = terminal.wait(f"→ {server.host} (http)")  # the header says where the cell sends
        terminal.keys("r")
        screen = terminal.wait("Send a credential?")
        assert "$AWS_SECRET_ACCESS_KEY" in screen and server.host in screen
        terminal.keys("Escape", pause=1.0)
        terminal.wait("Send a credential?", gone=True)
        assert server.requests == []
        terminal.keys("r")
        terminal.wait("Send a credential?")
        terminal.keys("o")
        terminal.wait("".join(CHAT_TOKENS))
        assert [r.headers.get("authorization") for r in server.requests] == ["Bearer AKIAfromTheTerminal123"]
    finally:
        server.close()


@pytest.mark.serial  # a wall-clock bound on quitting
@pytest.mark.parametrize("run_key", ["r", "A"])  # the cell alone, run all
def test_ctrl_q_quits_at_once_while_a_run_hangs_on_the_network(terminal, stall_server, run_key):
    """A remote cell waits on a server that accepted the request and never answers; ctrl+q ends tuinb and gives
    the shell back within about a second, instead of a blank terminal until the request times out."""
    server = stall_server("silent")
    path = terminal.cwd / "hang.aiconfig.json"
    path.write_text(json.dumps({"name": "hang", "metadata": {}, "prompts": [
        {"name": "waits", "input": "Tell me a story", "metadata": {"model": {
            "name": "Text Generation", "settings": {"model": f"{server.url}/models/x", "timeout": 60}}}}]}))
    terminal.env.update(HF_HUB_OFFLINE="0", HF_TOKEN_PATH="/nonexistent/tuinb-test-token")
    terminal.start("hang.aiconfig.json", then="echo tuinb-exited-$?; sleep 600")
    terminal.wait("waits")
    terminal.keys(run_key)
    assert server.requested.wait(20), terminal.screen()
    terminal.wait("running")
    pressed = time.monotonic()
    terminal.keys("C-q", pause=0)
    screen = terminal.wait("tuinb-exited-0", timeout=10)
    took = time.monotonic() - pressed
    assert "Traceback" not in screen
    assert took < 2, f"ctrl+q took {took:.1f} s to give the shell back"
    assert server.hung_up.wait(3), "the connection stayed open after quitting"
    print(f"ctrl+q with a hanging run ({run_key}): shell back after {took:.2f} s")
