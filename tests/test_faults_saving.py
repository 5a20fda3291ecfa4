"""Faults while saving: kill -9 in the middle of a save (100 times), disk full and permission denied, a crash
while dirty, a file changed on disk while open.

    .venv/bin/python -m pytest tests/test_faults_saving.py -q

(tests/test_saving.py and tests/test_recovery.py cover the atomic writer and the recovery module on their
own; these drive the real ``Notebook.save``, the real app and real processes.)
"""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from corpus_locator import corpus_dir
from fixtures.ui_app import notifications, wait_for
from tui_notebook.document import dumps, load_path
from tui_notebook.notebook import ExternalChangeError, Notebook
from tui_notebook.recovery import find_recovery, recovery_path

GRADIO_EXAMPLE = "main__gradio-notebook__example.aiconfig.json"  # 2 MB, many base64 image/audio outputs


def realistic_notebook(folder: Path) -> Path:
    source = corpus_dir() / GRADIO_EXAMPLE
    path = folder / "gradio.aiconfig.json"
    # Start from tuinb's own writing of it, so "the old version" is an exact byte string.
    path.write_text(Notebook.load(source).to_string())
    return path


# -- kill -9 in the middle of Notebook.save, 100 times ---------------------------------------------------------

# A "zygote": imports tuinb and loads the notebook once, then forks one saver per round, so each of the 100
# rounds costs a fork instead of a Python start-up. The forked saver toggles the description between the old
# and the new value and saves with the real Notebook.save (temp file, fsync, rename, fsync of the folder)
# in a tight loop until it is killed.
ZYGOTE = textwrap.dedent(
    """
    import os, sys
    from tui_notebook.notebook import Notebook

    path, new_description = sys.argv[1], sys.argv[2]
    notebook = Notebook.load(path)
    old_description = notebook.doc.description
    print("ready", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            flip = False
            print(os.getpid(), flush=True)
            while True:
                flip = not flip
                notebook.set_description(new_description if flip else old_description)
                notebook.save(force=True)
        _, status = os.waitpid(pid, 0)
        print(f"reaped {status}", flush=True)
    """
)


def test_kill_9_during_notebook_save_100_times(tmp_path):
    path = realistic_notebook(tmp_path)
    old = path.read_bytes()
    new_description = "Edited while saving. " + "x" * 50_000
    edited = Notebook.load(path)
    edited.set_description(new_description)
    new = dumps(edited.doc, "json").encode()
    assert old != new and len(old) > 1_000_000

    rng = random.Random(0xC0FFEE)
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE, str(path), new_description], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    outcomes = {"old": 0, "new": 0}
    mid_save = 0  # rounds killed with a temp file still present: the kill really landed inside a save
    try:
        assert zygote.stdout.readline().strip() == "ready"
        for _ in range(100):
            zygote.stdin.write("go\n")
            zygote.stdin.flush()
            saver = int(zygote.stdout.readline())
            time.sleep(rng.uniform(0.0, 0.08))  # a random moment: before, inside or between saves
            os.kill(saver, signal.SIGKILL)
            assert zygote.stdout.readline().startswith("reaped")
            data = path.read_bytes()
            assert data in (old, new), "a kill -9 left a file that is neither the old nor the new version"
            assert load_path(path).doc.name  # and it parses
            outcomes["old" if data == old else "new"] += 1
            leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            if leftovers:
                mid_save += 1
                for p in leftovers:  # what a killed save leaves behind is an unreferenced temp file
                    p.unlink()
    finally:
        zygote.kill()
        zygote.wait()
    print(f"\n100 kills: {outcomes['old']} old, {outcomes['new']} new, {mid_save} inside a save")
    assert outcomes["old"] + outcomes["new"] == 100
    assert mid_save >= 5, "the kills never landed inside a save: the test did not test anything"


# -- disk full / permission denied ---------------------------------------------------------------------------


def _fail_in(folder: Path, monkeypatch, kind: str) -> None:
    """Make writes into ``folder`` fail like a full disk (at fsync) or a folder we may not write (at create)."""
    folder = folder.resolve()
    if kind == "enospc":
        real_fsync = os.fsync

        def fsync(fd):
            try:
                where = Path(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                where = None
            if where is not None and (where == folder or where.parent == folder):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
    else:
        real_mkstemp = tempfile.mkstemp

        def mkstemp(*args, **kwargs):
            if Path(kwargs.get("dir") or ".").resolve() == folder:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
            return real_mkstemp(*args, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("kind, message", [("enospc", "No space left on device"), ("eacces", "Permission denied")])
async def test_save_failure_keeps_the_file_the_edits_and_a_recovery_copy(make_app, monkeypatch, kind, message):
    app = make_app((("p1", "one", "test-echo"),), autosave_seconds=3600)
    path = app.notebook.path
    original = path.read_bytes()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("b", "enter", *"unsaved work", "escape")
        await pilot.pause()
        assert app.notebook.dirty
        _fail_in(path.parent, monkeypatch, kind)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("Not saved" in n for n in notifications(app)), message="save error")
        shown = next(n for n in notifications(app) if "Not saved" in n)
        assert message in shown  # a clear error, in words
        assert path.read_bytes() == original  # the original is intact...
        assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []  # ...with no debris
        assert app.notebook.dirty  # the edits are still in the app
        assert app.notebook.doc.prompts[1].input == "unsaved work"
        # The autosaver cannot write beside the notebook either: it falls back to the data folder.
        written = app.autosaver.tick()
        assert written is not None and written.parent != path.parent
        info = find_recovery(path)
        assert info is not None and info.path == written
        assert load_path(info.path).doc.prompts[1].input == "unsaved work"
        monkeypatch.undo()
        await pilot.press("ctrl+s")  # space freed / permission fixed: saving works again
        await pilot.pause()
        assert not app.notebook.dirty and load_path(path).doc.prompts[1].input == "unsaved work"


# -- crash while dirty: the real app killed with SIGKILL, then the next open offers the recovery file -----------


@pytest.mark.slow
async def test_crash_while_dirty_then_next_open_offers_recovery(tmp_path, make_app):
    from fixtures.ui_app import write_notebook
    from test_security_terminal import PtyApp

    from tui_notebook import paths
    from tui_notebook.ui.dialogs import RecoveryScreen

    path = write_notebook(tmp_path / "crash.aiconfig.json", [("first", "hello", None)])
    original = path.read_bytes()
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text("autosave_seconds = 0.3\n")
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
    app = PtyApp([str(path)], tmp_path, env)
    try:
        app.wait_for("hello")
        app.press("b")  # add a cell: the notebook is dirty
        app.pump(0.3)
        app.press("\r")
        app.pump(0.3)
        app.press("typed before the crash")
        app.pump(0.3)
        app.press("\x1b")
        deadline = time.monotonic() + 30
        while not (recovery_path(path).exists()
                   and "typed before the crash" in recovery_path(path).read_text()):
            assert time.monotonic() < deadline, "the app never wrote its recovery file"
            app.pump(0.1)
    finally:
        app.close()  # SIGKILL: no clean exit, no save
    assert path.read_bytes() == original

    reopened = make_app(file=path)
    async with reopened.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(reopened.screen, RecoveryScreen), message="recovery offer")
        await pilot.press("r")
        await wait_for(pilot, lambda: len(reopened.notebook.doc.prompts) == 2, message="restored edits")
        assert reopened.notebook.doc.prompts[1].input == "typed before the crash"
        assert reopened.notebook.dirty  # restored as unsaved changes; the file is untouched until saved
        assert path.read_bytes() == original


# -- the file changed on disk while open ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["rewritten", "replaced", "same size and mtime", "deleted"])
def test_external_change_is_detected_before_save(tmp_path, how):
    path = realistic_notebook(tmp_path)
    notebook = Notebook.load(path)
    notebook.set_description("my edit")
    theirs = path.read_bytes().replace(b'"name": "', b'"name": "X', 1)
    stat = path.stat()
    if how == "rewritten":
        path.write_bytes(theirs)
    elif how == "replaced":  # an editor or `git checkout` writing a new file and renaming it over ours
        other = tmp_path / "other.json"
        other.write_bytes(theirs)
        os.replace(other, path)
    elif how == "same size and mtime":  # e.g. a sync tool that preserves timestamps; one byte differs
        flipped = bytearray(path.read_bytes())
        i = flipped.index(b'"name": "') + 9
        flipped[i] = ord("Z") if flipped[i] != ord("Z") else ord("Y")
        path.write_bytes(bytes(flipped))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    else:
        path.unlink()
    before = path.read_bytes() if path.exists() else None
    assert notebook.changed_on_disk()
    with pytest.raises(ExternalChangeError):
        notebook.save()
    assert (path.read_bytes() if path.exists() else None) == before  # their version was not overwritten
    assert notebook.dirty and notebook.doc.description == "my edit"
