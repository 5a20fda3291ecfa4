"""Autosave to a recovery file in the user's data dir, and getting the work back after a crash; a recovery file
shipped beside a notebook is never offered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tui_notebook import paths
from tui_notebook.document import load_path
from tui_notebook.notebook import Notebook
from tui_notebook.recovery import Autosaver, find_recovery, recovery_path, restore


def saved_notebook(path: Path) -> Notebook:
    notebook = Notebook.new(path)
    notebook.add_prompt(name="first", model="Text Generation", input="Hello {{who}}")
    notebook.set_parameter("who", "world")
    notebook.save()
    return notebook


def test_recovery_file_lives_in_the_data_dir_keyed_by_absolute_path(tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "app.aiconfig.json", tmp_path / "b" / "app.aiconfig.json"
    assert recovery_path(one).parent == paths.data_dir() / "recovery"
    assert recovery_path(one).name.startswith("app.aiconfig.json.") and recovery_path(one).name.endswith(
        ".tuinb-recovery")
    assert recovery_path(one) != recovery_path(two)  # same name, different folders: never shared
    assert recovery_path(tmp_path / "a" / ".." / "a" / "app.aiconfig.json") == recovery_path(one)
    assert recovery_path(None).parent == paths.data_dir() / "recovery"


def shipped_recovery(path: Path) -> Path:
    """A recovery file beside the notebook, newer and different, as a stranger could ship one."""
    shipped = path.parent / f".{path.name}.tuinb-recovery"
    evil = Notebook.new(None)
    evil.add_prompt(name="planted", input="run me")
    shipped.write_text(evil.to_string("json"))
    os.utime(shipped, (time.time() + 60, time.time() + 60))
    return shipped


def test_a_recovery_file_shipped_beside_the_notebook_is_never_offered(tmp_path: Path) -> None:
    path = tmp_path / "app.aiconfig.json"
    notebook = saved_notebook(path)
    shipped = shipped_recovery(path)
    assert find_recovery(path) is None
    from tui_notebook.recovery import ignored_legacy_file

    assert ignored_legacy_file(path) == shipped  # pointed out to the user, not offered
    # The autosaver writes elsewhere and never deletes a file that is not its own.
    notebook.set_parameter("who", "mine")
    saver = Autosaver(notebook)
    written = saver.tick()
    assert written is not None and written.parent == paths.data_dir() / "recovery"
    info = find_recovery(path)
    assert info is not None and info.path == written and info.prompt_count == 1
    notebook.save()
    saver.tick()
    saver.discard()
    assert shipped.exists() and find_recovery(path) is None


def test_tick_writes_only_when_dirty_and_changed(tmp_path: Path) -> None:
    path = tmp_path / "app.aiconfig.json"
    notebook = saved_notebook(path)
    before = path.read_bytes()
    saver = Autosaver(notebook, interval_seconds=0.1)
    assert saver.tick() is None  # clean: nothing to protect
    assert not recovery_path(path).exists()

    notebook.set_parameter("who", "there")
    written = saver.tick()
    assert written == recovery_path(path)
    first_mtime = written.stat().st_mtime_ns
    recovered = load_path(written).doc
    assert recovered.metadata.parameters == {"who": "there"}

    # Same revision: no second write.
    os.utime(written, ns=(first_mtime - 10_000_000_000, first_mtime - 10_000_000_000))
    assert saver.tick() is None
    assert written.stat().st_mtime_ns == first_mtime - 10_000_000_000

    notebook.rename_prompt(0, "renamed")
    assert saver.tick() == written
    assert load_path(written).doc.prompts[0].name == "renamed"

    # Autosave never touches the notebook file itself.
    assert path.read_bytes() == before


def test_saving_makes_the_recovery_file_go_away(tmp_path: Path) -> None:
    path = tmp_path / "app.aiconfig.json"
    notebook = saved_notebook(path)
    saver = Autosaver(notebook)
    notebook.set_parameter("who", "x")
    assert saver.tick() is not None
    notebook.save()
    assert saver.tick() is None  # clean again: the stale copy is removed
    assert not recovery_path(path).exists()


def test_discard_deletes_the_recovery_file(tmp_path: Path) -> None:
    path = tmp_path / "app.aiconfig.json"
    notebook = saved_notebook(path)
    saver = Autosaver(notebook)
    notebook.set_parameter("who", "x")
    saver.tick()
    assert recovery_path(path).exists()
    saver.discard()
    assert not recovery_path(path).exists()
    assert find_recovery(path) is None


def test_unsaved_notebook_recovers_from_the_data_dir() -> None:
    notebook = Notebook.new(None)
    notebook.add_prompt(name="draft", input="hi")
    saver = Autosaver(notebook)
    written = saver.tick()
    assert written is not None and written.parent == paths.data_dir() / "recovery"
    info = find_recovery(None)
    assert info is not None and info.path == written and info.prompt_count == 1 and info.notebook_path is None


def test_read_only_folder_falls_back_to_the_data_dir(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "app.aiconfig.json"
    notebook = saved_notebook(path)
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # running as root: permissions do not apply
            return
        notebook.set_parameter("who", "readonly")
        written = Autosaver(notebook).tick()
        assert written is not None and written.parent == paths.data_dir() / "recovery"
        info = find_recovery(path)
        assert info is not None and info.path == written
    finally:
        folder.chmod(0o755)


def test_find_recovery_ignores_older_or_identical_files(tmp_path: Path) -> None:
    path = tmp_path / "app.aiconfig.json"
    notebook = saved_notebook(path)
    rec = recovery_path(path)
    rec.parent.mkdir(parents=True, exist_ok=True)
    # Identical content: nothing to recover.
    rec.write_bytes(path.read_bytes())
    os.utime(rec, (time.time() + 5, time.time() + 5))
    assert find_recovery(path) is None
    # Different but older than the notebook (the notebook was saved after it): not offered.
    notebook.set_parameter("who", "old")
    Autosaver(notebook).tick()
    old = path.stat().st_mtime - 100
    os.utime(rec, (old, old))
    assert find_recovery(path) is None
    # Newer and different: offered.
    os.utime(rec, (time.time() + 5, time.time() + 5))
    info = find_recovery(path)
    assert info is not None and info.prompt_count == 1 and info.notebook_path == path
    # A damaged recovery file is not offered (nothing could be restored from it).
    rec.write_text("{ not json")
    os.utime(rec, (time.time() + 5, time.time() + 5))
    assert find_recovery(path) is None


def test_recovery_for_a_notebook_that_was_deleted(tmp_path: Path) -> None:
    path = tmp_path / "app.aiconfig.json"
    notebook = saved_notebook(path)
    notebook.set_parameter("who", "kept")
    Autosaver(notebook).tick()
    path.unlink()
    info = find_recovery(path)
    assert info is not None


CRASHING_EDITOR = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tui_notebook.notebook import Notebook
    from tui_notebook.recovery import Autosaver

    notebook = Notebook.load(Path(sys.argv[1]))
    saver = Autosaver(notebook, interval_seconds=0.05)
    notebook.set_parameter("who", "recovered value")
    notebook.add_prompt(name="added_after_open", input="new cell {{who}}")
    notebook.rename_prompt(0, "first_renamed")
    saver.tick()
    print("autosaved", flush=True)
    notebook.set_parameter("lost", "typed after the last autosave")
    time.sleep(60)  # killed here, like a crash: no clean exit, no save
    """
)


def test_killed_process_loses_nothing_before_the_last_autosave(tmp_path: Path) -> None:
    path = tmp_path / "app.aiconfig.json"
    saved_notebook(path)
    original = path.read_bytes()
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-c", CRASHING_EDITOR, str(path)], stdout=subprocess.PIPE,
                            text=True, env=env)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "autosaved"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert path.read_bytes() == original  # the crash never touched the notebook file

    info = find_recovery(path)
    assert info is not None and info.prompt_count == 2
    notebook = Notebook.load(path)
    assert not notebook.dirty
    restore(notebook, info)
    assert notebook.dirty  # restored edits are unsaved changes until the user saves
    assert notebook.names() == ["first_renamed", "added_after_open"]
    assert notebook.doc.metadata.parameters == {"who": "recovered value"}
    assert path.read_bytes() == original  # restoring does not write the notebook either

    notebook.save()
    Autosaver(notebook).discard()
    assert find_recovery(path) is None
    assert load_path(path).doc.prompts[1].name == "added_after_open"


def test_discard_recovery_without_an_autosaver(tmp_path: Path) -> None:
    from tui_notebook.recovery import discard_recovery

    path = tmp_path / "app.aiconfig.json"
    notebook = saved_notebook(path)
    notebook.set_parameter("who", "x")
    Autosaver(notebook).tick()
    info = find_recovery(path)
    assert info is not None
    discard_recovery(info)
    assert find_recovery(path) is None and not info.path.exists()


async def test_the_app_opens_normally_beside_a_shipped_recovery_file(tmp_path: Path, make_app) -> None:
    from fixtures.ui_app import notifications, wait_for

    from tui_notebook.ui.dialogs import RecoveryScreen

    path = tmp_path / "app.aiconfig.json"
    saved_notebook(path)
    shipped = shipped_recovery(path)
    app = make_app(file=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any(shipped.name in n for n in notifications(app)), message="the notice")
        notice = next(n for n in notifications(app) if shipped.name in n)
        assert notice.startswith("Ignored ") and f"tuinb {shipped}" in notice
        assert not isinstance(app.screen, RecoveryScreen)
        assert app.notebook.names() == ["first"] and not app.notebook.dirty
    assert shipped.exists()  # not ours to delete


def test_replace_document_is_an_unsaved_edit_that_undo_cannot_cross(tmp_path: Path) -> None:
    """Recovery puts a whole document in place: the notebook is dirty, listeners hear of it, it keeps its file,
    and undo does not apply the old document's steps to the new one."""
    path = tmp_path / "app.aiconfig.json"
    saved_notebook(path)
    notebook = Notebook.load(path)
    notebook.rename_prompt(0, "edited_before")
    heard: list[int] = []
    notebook.subscribe(lambda nb: heard.append(nb.revision))
    recovered = load_path(path).doc
    recovered.prompts[0].name = "from_recovery"
    notebook.replace_document(recovered)
    assert notebook.doc is recovered and notebook.dirty and heard == [notebook.revision]
    assert notebook.path == path and not notebook.changed_on_disk()
    assert notebook.undo() is None
    assert notebook.names()[0] == "from_recovery"
