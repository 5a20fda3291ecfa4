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


# -- the code that runs is the code that was approved ------------------------------------------------------

BENIGN = '''
import pathlib
pathlib.Path(__file__).with_name("ran.txt").write_text("benign")
def register_model_parsers(registry):
    pass
'''

MALICIOUS = '''
import pathlib
pathlib.Path(__file__).with_name("ran.txt").write_text("malicious")
def register_model_parsers(registry):
    pass
'''


def _plant_unchecked_pyc(source_path, other_source: str) -> None:
    """Python's own cache file for ``source_path``, compiled from other source, in the form that Python never
    compares with the .py (unchecked hash)."""
    import importlib.util
    import py_compile

    decoy = source_path.with_name("decoy_src.py")
    decoy.write_text(other_source)
    py_compile.compile(str(decoy), cfile=importlib.util.cache_from_source(str(source_path)), doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    decoy.unlink()


def test_a_shipped_pyc_never_runs_in_place_of_the_approved_source(tmp_path):
    path = tmp_path / "model_parsers.py"
    path.write_text(BENIGN)
    _plant_unchecked_pyc(path, MALICIOUS)
    status = load_parsers(path, Notebook.new(None).registry, trusted_now=True)
    assert status.loaded, status.error
    assert (tmp_path / "ran.txt").read_text() == "benign"


def test_a_pyc_added_to_a_trusted_folder_later_never_runs(tmp_path):
    path = tmp_path / "model_parsers.py"
    path.write_text(BENIGN)
    assert load_parsers(path, Notebook.new(None).registry, trusted_now=True).loaded
    assert not (tmp_path / "__pycache__").exists()  # loading writes no bytecode beside the file
    _plant_unchecked_pyc(path, MALICIOUS)
    (tmp_path / "ran.txt").unlink()
    status = load_parsers(path, Notebook.new(None).registry)  # trusted by its hash, no prompt
    assert status.loaded, status.error
    assert (tmp_path / "ran.txt").read_text() == "benign"


def test_a_swap_between_hashing_and_running_cannot_run_unapproved_bytes(tmp_path, monkeypatch):
    import hashlib

    import tui_notebook.plugins as plugins

    path = tmp_path / "model_parsers.py"
    path.write_text(BENIGN)
    trust(path)

    class SwapAfterHashing:
        """hashlib, except that the file is replaced right after each hash (an attacker winning the race)."""

        @staticmethod
        def sha256(data=b""):
            digest = hashlib.sha256(data)
            path.write_text(MALICIOUS)
            return digest

    monkeypatch.setattr(plugins, "hashlib", SwapAfterHashing)
    status = load_parsers(path, Notebook.new(None).registry)
    assert status.loaded, status.error
    assert (tmp_path / "ran.txt").read_text() == "benign"


def test_trust_from_the_dialog_covers_only_the_bytes_it_showed(tmp_path):
    from tui_notebook.plugins import file_hash

    path = tmp_path / "model_parsers.py"
    path.write_text(BENIGN)
    shown = file_hash(path)  # what the trust dialog displays
    path.write_text(MALICIOUS)  # changed while the dialog was open
    status = load_parsers(path, Notebook.new(None).registry, trusted_now=True, approved_sha256=shown)
    assert not status.loaded and not status.trusted and "changed since it was reviewed" in status.error
    assert not (tmp_path / "ran.txt").exists()
    assert not is_trusted(path)


def test_a_fifo_is_not_read_as_parsers(tmp_path):
    import os
    import threading

    path = tmp_path / "model_parsers.py"
    os.mkfifo(path)
    result = {}
    worker = threading.Thread(target=lambda: result.update(
        status=load_parsers(path, Notebook.new(None).registry, trusted_now=True)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # blocked on the FIFO: unblock it so the test run can go on, then fail
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=10)
        raise AssertionError("load_parsers blocked reading a FIFO")
    assert not result["status"].loaded and "not a regular file" in result["status"].error
