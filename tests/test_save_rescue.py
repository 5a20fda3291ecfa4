"""`tuinb fmt` and `tuinb run --save` on a full disk, a read-only file system or a file changed on disk: a clean
error naming the file and the reason (exit 2), the file untouched, and a run's results kept in a loadable copy
beside the file, else in the temporary folder, else on stdout.

Real cases run the CLI in a private mount namespace (``unshare -m``) on a small tmpfs, remounted read-only or
filled up (the tests run as root, for whom a chmod'ed folder is still writable); the in-process cases make the
atomic writer's OS calls fail with ENOSPC / EROFS.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tui_notebook import cli
from tui_notebook.document import load_path

PY = sys.executable

NOTEBOOK = {
    "name": "rescue", "metadata": {"parameters": {}, "default_model": "Echo"},
    "prompts": [{"name": "story", "input": "tell a story"}, {"name": "title", "input": "a title"}],
}

PARSERS = '''
from tui_notebook.parser_api import ModelParser, text_output

class Echo(ModelParser):
    id = "Echo"
    def run(self, request, ctx):
        if "EDIT" in request.prompt_text:  # another program changes the file while the run goes on
            request.notebook_path.write_text(request.notebook_path.read_text() + " ")
        ctx.stream(request.prompt_text)
        return [text_output(request.prompt_text.upper())]

def register_model_parsers(registry):
    registry.register(Echo())
'''


def _write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rescue.aiconfig.json"
    path.write_text(json.dumps(NOTEBOOK, indent=2))
    (folder / "model_parsers.py").write_text(PARSERS)
    return path


def _rescued(folder: Path) -> list[Path]:
    return sorted(folder.glob("rescue.unsaved-*.aiconfig.json"))


def _assert_has_new_outputs(path: Path) -> None:
    doc = load_path(path).doc
    assert [p.outputs[0].data for p in doc.prompts] == ["TELL A STORY", "A TITLE"]


# -- real file systems, in a private mount namespace ---------------------------------------------------------------


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _can_mount(), reason="needs a private mount namespace (unshare -m, mount)")


def _in_namespace(mount: Path, how: str, command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Mount a 256 KB tmpfs on ``mount`` holding the notebook, make it read-only or full, run ``command``."""
    staging = mount.parent / "staging"
    mount.mkdir()
    prepare = {
        "ro": f"mount -o remount,ro {shlex.quote(str(mount))}",
        "full": f"dd if=/dev/zero of={shlex.quote(str(mount / 'filler'))} bs=4k 2>/dev/null; true",
    }[how]
    script = (f"mount -t tmpfs -o size=256k tmpfs {shlex.quote(str(mount))} && "
              f"cp -a {shlex.quote(str(staging))}/. {shlex.quote(str(mount))}/ && "
              f"{prepare} && exec {' '.join(shlex.quote(c) for c in command)}")
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env,
                          timeout=120)


@needs_mounts
@pytest.mark.parametrize("how, reason", [("ro", "Read-only file system"), ("full", "No space left on device")])
def test_run_save_on_a_real_read_only_or_full_file_system_keeps_the_results(tmp_path, how, reason):
    staging = tmp_path / "staging"
    _write(staging)
    mount = tmp_path / "mnt"
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    notebook = mount / "rescue.aiconfig.json"
    result = _in_namespace(mount, how, [PY, "-m", "tui_notebook", "run", str(notebook), "--all", "--save",
                                        "--trust-parsers"], env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"not saved: cannot write {notebook}: {reason}; the file is unchanged" in result.stderr
    rescued = _rescued(temp)  # the tmpfs took nothing, so the copy went to the temporary folder
    assert len(rescued) == 1, result.stderr
    assert f"the notebook with this run's outputs was written to {rescued[0]}" in result.stderr
    _assert_has_new_outputs(rescued[0])


@needs_mounts
@pytest.mark.parametrize("how, reason", [("ro", "Read-only file system"), ("full", "No space left on device")])
def test_fmt_on_a_real_read_only_or_full_file_system_is_a_clean_error(tmp_path, how, reason):
    staging = tmp_path / "staging"
    _write(staging)
    mount = tmp_path / "mnt"
    notebook = mount / "rescue.aiconfig.json"
    script = [PY, "-c", "import sys; from tui_notebook.cli import main; code = main(sys.argv[1:3]); "
              "print(open(sys.argv[2]).read() == sys.argv[3], file=sys.stderr); sys.exit(code)",
              "fmt", str(notebook), json.dumps(NOTEBOOK, indent=2)]
    result = _in_namespace(mount, how, script, dict(os.environ))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"tuinb fmt: cannot write {notebook}: {reason}; the file is unchanged" in result.stderr
    assert result.stderr.rstrip().endswith("True")  # the file still holds exactly what it held


# -- simulated failures at the atomic writer, in process ------------------------------------------------------------


def _fail_writes(monkeypatch, folders: list[Path], code: int, only: Path | None = None) -> None:
    """Writes into ``folders`` fail with ``code`` when the atomic writer syncs the data (as a full disk
    does), or only the replacement of ``only`` (as a file system that went read-only does)."""
    import tui_notebook.document.atomic as atomic

    resolved = {f.resolve() for f in folders}
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):  # noqa: ANN001, ANN202
        try:
            where = Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            where = None
        if only is None and where is not None and where.parent in resolved:
            raise OSError(code, os.strerror(code))
        return real_fsync(fd)

    def replace(src, dst):  # noqa: ANN001, ANN202
        if only is not None and Path(dst).resolve() == only.resolve():
            raise OSError(code, os.strerror(code), str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic.os, "replace", replace)


def _run_save(path: Path, *extra: str) -> int:
    return cli.main(["run", str(path), "--all", "--save", "--trust-parsers", *extra])


def test_run_save_failing_on_the_file_only_keeps_the_results_beside_it(tmp_path, monkeypatch, capsys):
    path = _write(tmp_path / "work")
    before = path.read_text()
    _fail_writes(monkeypatch, [], errno.EROFS, only=path)
    assert _run_save(path) == 2
    err = capsys.readouterr().err
    assert f"not saved: cannot write {path}: Read-only file system; the file is unchanged" in err
    assert path.read_text() == before
    rescued = _rescued(path.parent)
    assert len(rescued) == 1 and f"written to {rescued[0]}" in err
    _assert_has_new_outputs(rescued[0])


def test_run_save_on_a_full_disk_keeps_the_results_in_the_temporary_folder(tmp_path, monkeypatch, capsys):
    import tempfile

    path = _write(tmp_path / "work")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    _fail_writes(monkeypatch, [path.parent], errno.ENOSPC)
    assert _run_save(path) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert _rescued(path.parent) == []
    rescued = _rescued(temp)
    assert len(rescued) == 1 and f"written to {rescued[0]}" in err
    _assert_has_new_outputs(rescued[0])


def test_run_save_with_no_folder_to_write_prints_the_notebook(tmp_path, monkeypatch, capsys):
    import tempfile

    path = _write(tmp_path / "work")
    notebook = json.loads(path.read_text())
    notebook["description"] = "csi \u009b2J and bidi \u202e"  # printed, they must stay inert
    path.write_text(json.dumps(notebook))
    monkeypatch.setattr(tempfile, "tempdir", str(path.parent))
    _fail_writes(monkeypatch, [path.parent], errno.ENOSPC)
    assert _run_save(path) == 2
    captured = capsys.readouterr()
    assert "follows on stdout" in captured.err
    printed = captured.out[captured.out.index("{\n"):]
    assert "\u009b" not in printed and "\u202e" not in printed
    copy = tmp_path / "from-stdout.aiconfig.json"
    copy.write_text(printed)
    _assert_has_new_outputs(copy)
    assert load_path(copy).doc.description == "csi \u009b2J and bidi \u202e"


def test_run_save_with_json_and_no_folder_points_at_the_json(tmp_path, monkeypatch, capsys):
    import tempfile

    path = _write(tmp_path / "work")
    monkeypatch.setattr(tempfile, "tempdir", str(path.parent))
    _fail_writes(monkeypatch, [path.parent], errno.ENOSPC)
    assert _run_save(path, "--json") == 2
    captured = capsys.readouterr()
    assert "outputs are in the JSON printed on stdout" in captured.err
    printed = json.loads(captured.out)  # stdout stays one JSON document
    assert printed["story"][0]["data"] == "TELL A STORY"


def test_run_o_into_a_missing_folder_is_a_clean_error_and_keeps_the_results(tmp_path, monkeypatch, capsys):
    import tempfile

    path = _write(tmp_path / "work")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    target = tmp_path / "nope" / "copy.aiconfig.json"
    assert cli.main(["run", str(path), "--all", "--trust-parsers", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"not saved: cannot write {target}: No such file or directory; nothing was written there" in err
    copies = sorted(temp.glob("copy.unsaved-*.aiconfig.json"))  # named after the file asked for
    assert len(copies) == 1 and f"written to {copies[0]}" in err
    _assert_has_new_outputs(copies[0])


def test_run_save_of_a_file_changed_on_disk_keeps_the_results_beside_it(tmp_path, capsys):
    path = _write(tmp_path / "work")
    edited = {**NOTEBOOK, "prompts": [{"name": "story", "input": "EDIT then tell"}, NOTEBOOK["prompts"][1]]}
    path.write_text(json.dumps(edited))
    assert _run_save(path) == 2
    err = capsys.readouterr().err
    assert "changed on disk" in err
    assert path.read_text().endswith(" ")  # the other program's version is kept
    rescued = _rescued(path.parent)
    assert len(rescued) == 1 and f"written to {rescued[0]}" in err
    assert [p.outputs[0].data for p in load_path(rescued[0]).doc.prompts] == ["EDIT THEN TELL", "A TITLE"]


def test_fmt_on_a_full_disk_is_a_clean_error(tmp_path, monkeypatch, capsys):
    path = _write(tmp_path / "work")
    before = path.read_text()
    _fail_writes(monkeypatch, [path.parent], errno.ENOSPC)
    assert cli.main(["fmt", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"tuinb fmt: cannot write {path}: No space left on device; the file is unchanged"
    assert path.read_text() == before
