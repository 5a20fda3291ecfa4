"""Saving: atomic, permission-keeping, refuses to clobber a file changed on disk, never stores secrets."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from tui_notebook import Notebook
from tui_notebook.document import atomic_write_text, load_path
from tui_notebook.notebook import ExternalChangeError


def test_atomic_write_keeps_permissions_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "n.aiconfig.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["n.aiconfig.json"]


def test_failed_write_leaves_the_original(tmp_path, monkeypatch):
    target = tmp_path / "n.aiconfig.json"
    target.write_text("original")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="No space"):
        atomic_write_text(target, "x" * 1000)
    assert target.read_text() == "original"
    assert [p.name for p in tmp_path.iterdir()] == ["n.aiconfig.json"]


KILLER = r"""
import sys, time
from tui_notebook.document import atomic_write_text
path, size = sys.argv[1], int(sys.argv[2])
i = 0
while True:
    i += 1
    body = ('{"v": %d, "pad": "' % i) + ("x" * size) + '"}'
    atomic_write_text(path, body)
"""


def test_kill_9_while_saving_never_leaves_a_torn_file(tmp_path):
    target = tmp_path / "n.aiconfig.json"
    target.write_text('{"v": 0, "pad": ""}')
    script = tmp_path / "writer.py"
    script.write_text(KILLER)
    for attempt in range(15):
        proc = subprocess.Popen([sys.executable, str(script), str(target), str(200_000)])
        time.sleep(0.15 + 0.02 * (attempt % 5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = json.loads(target.read_text())  # always complete JSON: the old or the new version
        assert data["pad"] in ("", "x" * 200_000)


def test_save_refuses_when_the_file_changed_on_disk(tmp_path):
    path = tmp_path / "n.aiconfig.json"
    path.write_text('{"name": "n", "metadata": {}}')
    nb = Notebook.load(path)
    nb.set_name("mine")
    time.sleep(0.01)
    path.write_text('{"name": "theirs", "metadata": {}}')
    assert nb.changed_on_disk()
    with pytest.raises(ExternalChangeError):
        nb.save()
    assert load_path(path).doc.name == "theirs"
    nb.save(force=True)
    assert load_path(path).doc.name == "mine"
    assert not nb.changed_on_disk() and not nb.dirty


def test_touch_without_content_change_is_not_an_external_change(tmp_path):
    path = tmp_path / "n.aiconfig.json"
    path.write_text('{"name": "n", "metadata": {}}')
    nb = Notebook.load(path)
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert not nb.changed_on_disk()


def test_new_notebook_is_written_on_first_save(tmp_path):
    path = tmp_path / "new.aiconfig.json"
    nb = Notebook.open(path)
    assert not path.exists()
    nb.add_prompt(model="Text Generation", input="hi {{x}}")
    nb.set_parameter("x", "y")
    nb.save()
    doc = load_path(path).doc
    assert doc.name == "new" and doc.prompts[0].input == "hi {{x}}"
    assert doc.metadata.parameters == {"x": "y"}


def test_yaml_notebook_saves_as_yaml(tmp_path):
    path = tmp_path / "n.aiconfig.yaml"
    path.write_text("name: n\nmetadata: {}\n")
    nb = Notebook.load(path)
    nb.save()
    assert path.read_text().startswith("$schema:")


def test_tokens_are_never_written_into_the_notebook(tmp_path):
    nb = Notebook.new(tmp_path / "n.aiconfig.json")
    nb.options.hf_token = "hf_abcdefghijklmnop"
    nb.add_prompt(model="Text Generation", input="x")
    nb.save()
    assert "hf_abcdefghijklmnop" not in (tmp_path / "n.aiconfig.json").read_text()


def test_dirty_tracking_and_listeners(tmp_path):
    nb = Notebook.new(tmp_path / "n.aiconfig.json")
    seen = []
    nb.subscribe(lambda n: seen.append(n.revision))
    assert not nb.dirty
    nb.add_prompt(input="a")
    assert nb.dirty and seen == [1]
    nb.set_input_text(0, "a")  # no change, no event
    assert seen == [1]
    nb.save()
    assert not nb.dirty


def test_leftovers_of_an_interrupted_save_are_cleaned_up(tmp_path):
    target = tmp_path / "n.aiconfig.json"
    target.write_text("{}")
    old = tmp_path / ".n.aiconfig.json.abc123.tmp"
    old.write_text("half a file")
    recent = tmp_path / ".n.aiconfig.json.def456.tmp"
    recent.write_text("another save in progress")
    other = tmp_path / ".other.json.xyz.tmp"
    other.write_text("not ours")
    stale = time.time() - 3600
    os.utime(old, (stale, stale))
    os.utime(other, (stale, stale))
    atomic_write_text(target, "new")
    assert not old.exists()
    assert recent.exists() and other.exists()
