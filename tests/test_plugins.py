"""model_parsers.py runs only after explicit trust, and a changed file needs trust again."""

from __future__ import annotations

from tui_notebook import Notebook
from tui_notebook.plugins import find_parsers_file, is_trusted, load_parsers, revoke, trust

PARSERS = '''
import pathlib
pathlib.Path(__file__).with_name("ran.txt").write_text("yes")
from tui_notebook.parser_api import ModelParser, text_output

class Shout(ModelParser):
    id = "Shout"
    def run(self, request, ctx):
        return [text_output(request.prompt_text.upper())]

def register_model_parsers(registry):
    registry.register(Shout(), ["shout"])
'''

ZERO_ARG = '''
from tui_notebook.parser_api import ModelParser, text_output
from tui_notebook.plugins import register_model_parser

class Quiet(ModelParser):
    id = "Quiet"
    def run(self, request, ctx):
        return [text_output(request.prompt_text.lower())]

def register_model_parsers():
    register_model_parser(Quiet(), ["quiet"])
'''


def test_untrusted_file_is_not_executed(tmp_path):
    (tmp_path / "model_parsers.py").write_text(PARSERS)
    nb = Notebook.new(tmp_path / "n.aiconfig.json")
    path = find_parsers_file(nb.path)
    status = load_parsers(path, nb.registry)
    assert not status.trusted and not status.loaded
    assert not (tmp_path / "ran.txt").exists()
    assert "--trust-parsers" in status.explain() and status.sha256[:12] in status.explain()
    assert "shout" not in nb.registry


def test_trusted_file_registers_and_runs(tmp_path):
    (tmp_path / "model_parsers.py").write_text(PARSERS)
    nb = Notebook.new(tmp_path / "n.aiconfig.json")
    status = load_parsers(tmp_path / "model_parsers.py", nb.registry, trusted_now=True)
    assert status.loaded and set(status.registered) == {"Shout", "shout"}
    nb.add_prompt(model="shout", input="hey {{x}}")
    nb.set_parameter("x", "you")
    assert nb.run_sync("prompt_1")[0].data == "HEY YOU"
    # trust is remembered for this content...
    nb2 = Notebook.new(tmp_path / "n.aiconfig.json")
    assert load_parsers(tmp_path / "model_parsers.py", nb2.registry).loaded


def test_changed_file_needs_trust_again(tmp_path):
    path = tmp_path / "model_parsers.py"
    path.write_text(PARSERS)
    trust(path)
    assert is_trusted(path)
    path.write_text(PARSERS + "\n# edited\n")
    assert not is_trusted(path)
    assert not load_parsers(path, Notebook.new(None).registry).loaded
    trust(path)
    revoke(path)
    assert not is_trusted(path)


def test_zero_argument_convention_and_broken_files(tmp_path):
    path = tmp_path / "model_parsers.py"
    path.write_text(ZERO_ARG)
    nb = Notebook.new(None)
    assert load_parsers(path, nb.registry, trusted_now=True).loaded and "quiet" in nb.registry
    path.write_text("raise ValueError('broken on purpose')\n")
    status = load_parsers(path, nb.registry, trusted_now=True)
    assert not status.loaded and "broken on purpose" in status.error
