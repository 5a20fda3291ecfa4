"""The tmux driver of the end-to-end tests: a tmux server of the test's own, running the real ``tuinb``, typed into
with send-keys and read with capture-pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

TUINB = Path(sys.executable).with_name("tuinb")
MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]
"""Every end-to-end module's ``pytestmark``."""


class Tmux:
    def __init__(self, name: str, cwd: Path, env: dict[str, str]) -> None:
        self.name = name
        self.socket = ["tmux", "-L", name]  # our own tmux server: nobody else's sessions or options
        self.cwd = cwd
        self.env = env

    def start(self, *args: str, then: str = "sleep 600") -> None:
        exports = " ".join(f"{k}={v}" for k, v in self.env.items())
        command = f"cd {self.cwd} && env -u COLUMNS -u LINES {exports} {TUINB} {' '.join(args)}; {then}"
        subprocess.run([*self.socket, "kill-session", "-t", self.name], capture_output=True)
        subprocess.run([*self.socket, "-f", "/dev/null", "new-session", "-d", "-s", self.name, "-x", "120", "-y", "40",
                        command], check=True)
        subprocess.run([*self.socket, "resize-window", "-t", self.name, "-x", "120", "-y", "40"], capture_output=True)

    def screen(self) -> str:
        return subprocess.run([*self.socket, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def keys(self, *keys: str, pause: float = 0.25) -> None:
        for key in keys:
            subprocess.run([*self.socket, "send-keys", "-t", self.name, key], check=True)
            time.sleep(pause)

    def burst(self, *keys: str) -> None:
        """All the keys in one send-keys: tmux writes them into the terminal at once."""
        subprocess.run([*self.socket, "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str, pause: float = 0.3) -> None:
        subprocess.run([*self.socket, "send-keys", "-t", self.name, "-l", text], check=True)
        time.sleep(pause)

    def wait(self, text: str, timeout: float = 20.0, gone: bool = False) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if (text in screen) != gone:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{'still' if gone else 'never'} saw {text!r} on screen:\n{self.screen()}")

    def wait_for(self, what: str, check: Callable[[str], bool], timeout: float = 20.0) -> str:
        """Wait until ``check`` holds for the whole screen (for a state that one piece of text cannot tell)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"never saw {what} on screen:\n{self.screen()}")

    def kill(self) -> None:
        subprocess.run([*self.socket, "kill-server"], capture_output=True)


def person_with_parsers(tmp_path: Path, name: str, parsers: str) -> Tmux:
    """A tmux session in a fresh work folder holding ``parsers`` as its model_parsers.py, with its own home,
    config, data and cache folders and the Hub offline."""
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "model_parsers.py").write_text(parsers)
    env = {"HOME": str(home), "TUINB_CONFIG_DIR": str(home / "config"), "TUINB_DATA_DIR": str(home / "data"),
           "TUINB_CACHE_DIR": str(home / "cache"), "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color"}
    return Tmux(f"tuinb-{name}-{os.getpid()}", work, env)
