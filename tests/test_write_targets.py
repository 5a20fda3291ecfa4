"""The one file writer never replaces what is not a regular file: symlinks are written through, devices and FIFOs
are written into, folders are refused; and every file tuinb writes goes through it.

Device tests use a character device made with ``os.mknod`` in a temp folder (same numbers as /dev/null, so
writes are discarded); the real /dev/null is never touched.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tui_notebook.notebook import Notebook

NOTEBOOK = {"name": "n", "metadata": {}, "prompts": [{"name": "a", "input": "hi", "metadata": {"model": "gpt-4"}}]}


def _notebook(folder: Path) -> Path:
    path = folder / "n.aiconfig.json"
    path.write_text(json.dumps(NOTEBOOK, indent=4))  # not the canonical form: fmt changes it
    return path


def _null_device(folder: Path) -> Path:
    """A character device with /dev/null's numbers, in ``folder``; skip when we may not make one."""
    if not hasattr(os, "mknod") or os.geteuid() != 0:
        pytest.skip("making a character device needs root (os.mknod); the real /dev/null is never used")
    path = folder / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError as exc:  # e.g. a nodev mount or a container without CAP_MKNOD
        pytest.skip(f"cannot make a device node here: {exc}")
    return path


class FifoReader:
    """Reads a FIFO to the end in a thread (a FIFO write needs a reader)."""

    def __init__(self, path: Path) -> None:
        self.data = b""
        self.thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self.opened = threading.Event()
        self.thread.start()
        # The writer refuses a FIFO with no reader: wait until ours has it open.
        assert self.opened.wait(10)

    def _read(self, path: Path) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.opened.set()
        os.set_blocking(fd, True)
        chunks = []
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:  # pragma: no cover
                continue
            if not chunk and chunks:
                break
            if chunk:
                chunks.append(chunk)
            elif not chunks:
                # no writer yet: wait for one (poll with a select timeout, no sleeping loop)
                import select

                select.select([fd], [], [], 0.05)
        os.close(fd)
        self.data = b"".join(chunks)

    def result(self) -> bytes:
        self.thread.join(10)
        assert not self.thread.is_alive()
        return self.data


# -- the writer -----------------------------------------------------------------------------------------------


def write_file(path, data):  # noqa: ANN001, ANN201 - imported per test: the CLI tests also run on older code
    from tui_notebook.document import write_file as write

    return write(path, data)


def _not_a_file_error() -> type:
    from tui_notebook.document import NotAFileError

    return NotAFileError


def test_regular_file_is_replaced_and_keeps_its_mode(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")
    target.chmod(0o640)
    written = write_file(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert not written.streamed and sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_symlink_is_written_through_and_stays_a_symlink(tmp_path):
    real = tmp_path / "dotfiles" / "real.json"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_file(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new" and stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dotfiles", "link.json"]


def test_dangling_symlink_creates_its_target_and_stays_a_symlink(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to("elsewhere/real.json")  # relative, like most dotfile links
    (tmp_path / "elsewhere").mkdir()
    write_file(link, "new")
    assert link.is_symlink() and (tmp_path / "elsewhere" / "real.json").read_text() == "new"


def test_fifo_with_a_reader_is_written_into_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    written = write_file(fifo, b"x" * 200_000)  # more than a pipe buffer: the reader sets the pace
    assert reader.result() == b"x" * 200_000
    assert written.streamed and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_fifo_without_a_reader_is_an_error_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="nothing is reading"):
        write_file(fifo, "data")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_character_device_is_written_into_not_replaced(tmp_path):
    device = _null_device(tmp_path)
    written = write_file(device, b"y" * 2_000_000)
    st = os.lstat(device)
    assert written.streamed and stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_folder_is_a_clear_error_and_stays_as_it_was(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(_not_a_file_error()) as info:
        write_file(folder, "data")
    assert "folder" in str(info.value) and str(folder) in str(info.value)
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]


def test_dash_is_standard_output(tmp_path, capfd):
    written = write_file("-", "to stdout\n")
    assert written.streamed and capfd.readouterr().out == "to stdout\n"
    assert not (tmp_path / "-").exists() and not Path("-").exists()


# -- tuinb fmt writes through Notebook.save, by the same rules ------------------------------------------------


def _fmt(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_notebook", "fmt", *args], capture_output=True,
                          timeout=60, **kwargs)


def test_fmt_into_a_device_keeps_the_device(tmp_path):
    path = _notebook(tmp_path)
    device = _null_device(tmp_path)
    result = _fmt(str(path), "-o", str(device))
    assert result.returncode == 0, result.stderr
    st = os.lstat(device)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)


def test_fmt_into_a_fifo_streams_the_notebook(tmp_path):
    path = _notebook(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    result = _fmt(str(path), "-o", str(fifo))
    assert result.returncode == 0, result.stderr
    assert json.loads(reader.result())["name"] == "n" and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_fmt_in_place_through_a_symlink_keeps_the_link(tmp_path):
    real = _notebook(tmp_path)
    link = tmp_path / "link.aiconfig.json"
    link.symlink_to(real.name)
    result = _fmt(str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert real.read_text() == Notebook.load(real).to_string()  # canonical now


def test_fmt_into_a_folder_is_exit_2_with_a_clear_message(tmp_path):
    path = _notebook(tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    result = _fmt(str(path), "-o", str(folder), text=True)
    assert result.returncode == 2
    assert "folder" in result.stderr and str(folder) in result.stderr
    assert list(folder.iterdir()) == []


def test_fmt_dash_prints_the_notebook_in_its_own_format(tmp_path):
    path = tmp_path / "n.aiconfig.yaml"
    path.write_text("name: n\nmetadata: {}\nprompts: []\n")
    result = _fmt(str(path), "-o", "-", text=True, cwd=tmp_path)
    assert result.returncode == 0 and "\nname: n\n" in result.stdout and not result.stdout.startswith("{")
    assert not (tmp_path / "-").exists()


def test_notebook_save_through_a_symlink_keeps_editing_the_link(tmp_path):
    real = _notebook(tmp_path)
    link = tmp_path / "link.aiconfig.json"
    link.symlink_to(real)
    nb = Notebook.load(link)
    nb.set_name("renamed")
    nb.save()
    assert link.is_symlink() and nb.path == link and not nb.changed_on_disk()
    assert json.loads(real.read_text())["name"] == "renamed"
    nb.save()  # a second save is not an "external change"
    assert link.is_symlink()


# -- every other file tuinb writes ----------------------------------------------------------------------------


def _through_link(tmp_path: Path, name: str) -> tuple[Path, Path]:
    real = tmp_path / "real" / name
    real.parent.mkdir(exist_ok=True)
    real.write_text("old")
    link = tmp_path / name
    link.symlink_to(real)
    return link, real


def test_exports_media_config_and_trust_records_write_through_symlinks(tmp_path, monkeypatch):
    from tui_notebook.config import Config, save_config
    from tui_notebook.media.export import export_notebook
    from tui_notebook.media.files import save_bytes

    nb = Notebook.load(_notebook(tmp_path))
    for fmt in ("html", "md"):
        link, real = _through_link(tmp_path, f"n.{fmt}")
        export_notebook(nb, fmt, link)
        assert link.is_symlink() and real.read_text() != "old"
    link, real = _through_link(tmp_path, "picture.png")
    save_bytes(b"png", link, overwrite=True)
    assert link.is_symlink() and real.read_bytes() == b"png"
    link, real = _through_link(tmp_path, "config.toml")
    save_config(Config(), link)
    assert link.is_symlink() and real.read_text() != "old"

    from tui_notebook import plugins

    link, real = _through_link(tmp_path, "trust.json")
    monkeypatch.setattr(plugins, "trust_file", lambda: link)
    parsers = tmp_path / "model_parsers.py"
    parsers.write_text("def register_model_parsers(registry):\n    pass\n")
    plugins.trust(parsers)
    assert link.is_symlink() and str(parsers.resolve()) in json.loads(real.read_text())


def test_space_files_write_through_symlinks_and_a_file_is_no_space_folder(tmp_path):
    from tui_notebook.media.space import SpaceRefused, build_space

    nb = Notebook.load(_notebook(tmp_path))
    out = tmp_path / "space"
    out.mkdir()
    real = tmp_path / "kept" / "README.md"
    real.parent.mkdir()
    real.write_text("old")
    (out / "README.md").symlink_to(real)
    build_space(nb, out, force=True)
    assert (out / "README.md").is_symlink() and real.read_text().startswith("---\n")
    not_a_folder = tmp_path / "space.txt"
    not_a_folder.write_text("mine")
    with pytest.raises(SpaceRefused, match="is a file, not a folder"):
        build_space(nb, not_a_folder, force=True)
    assert not_a_folder.read_text() == "mine"


def test_media_and_exports_refuse_a_folder_target(tmp_path):
    from tui_notebook.media.export import export_notebook
    from tui_notebook.media.files import SaveError, save_bytes

    nb = Notebook.load(_notebook(tmp_path))
    folder = tmp_path / "out.html"
    folder.mkdir()
    with pytest.raises(_not_a_file_error()):
        export_notebook(nb, "html", folder)
    with pytest.raises(SaveError, match="folder"):
        save_bytes(b"png", folder, overwrite=True)
    assert list(folder.iterdir()) == []


def test_recovery_file_writes_through_a_symlink(tmp_path):
    from tui_notebook.recovery import Autosaver, recovery_path

    path = _notebook(tmp_path)
    nb = Notebook.load(path)
    target = recovery_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    real = tmp_path / "elsewhere.json"
    real.write_text("old")
    target.symlink_to(real)
    saver = Autosaver(nb)
    nb.set_input_text(0, "edited")
    assert saver.tick() == target
    assert target.is_symlink() and "edited" in real.read_text()
