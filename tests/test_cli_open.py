"""``tuinb [OPTIONS] FILE [OPTIONS]``: the open command's options before or after the file, shown by
``tuinb --help``; a file named like a sub-command opens when given as a path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui_notebook import cli


@pytest.fixture
def opened(monkeypatch):
    """The arguments the terminal UI would be started with (it is not started)."""
    calls = []
    monkeypatch.setattr(cli, "cmd_open", lambda args: calls.append(args) or 0)
    return calls


@pytest.mark.parametrize("argv", [
    ["--read-only", "nb.aiconfig.json"],
    ["nb.aiconfig.json", "--read-only"],
    ["--graphics", "none", "nb.aiconfig.json"],
    ["nb.aiconfig.json", "--graphics", "none"],
    ["--theme", "nord", "nb.aiconfig.json", "--read-only"],
])
def test_options_work_before_or_after_the_file(opened, argv):
    assert cli.main(argv) == 0
    args = opened[0]
    assert args.command == "open" and args.file == Path("nb.aiconfig.json")
    if "--read-only" in argv:
        assert args.read_only
    if "--graphics" in argv:
        assert args.graphics == "none"
    if "--theme" in argv:
        assert args.theme == "nord"


def test_a_file_named_like_a_command_opens_as_a_path(opened):
    assert cli.main(["./run"]) == 0
    assert opened[0].command == "open" and opened[0].file == Path("./run")
    assert cli.main(["--read-only", "./doctor"]) == 0
    assert opened[1].file == Path("./doctor") and opened[1].read_only


def test_commands_still_win_over_files(opened, tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "missing.aiconfig.json")]) == 2
    assert not opened


def test_top_level_help_shows_the_open_options():
    result = subprocess.run([sys.executable, "-m", "tui_notebook", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for option in ("--read-only", "--graphics", "--theme", "--trust-parsers", "./run"):
        assert option in result.stdout
    assert "usage: tuinb [OPTIONS] FILE [OPTIONS]" in result.stdout
