"""Leaving once the app has ended: the exit hooks run, a thread still going does not hold the exit, the exit code
is kept. (The whole flow, ctrl+q to shell prompt, is timed in tests/e2e/test_tmux.py.)"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

SCRIPT = textwrap.dedent("""
    import atexit, sys, threading
    from tui_notebook.ui.leave import leave

    atexit.register(lambda: open(sys.argv[1], "w").write("hooks ran"))
    threading.Thread(target=threading.Event().wait, args=(60,)).start()  # not a daemon: a normal exit waits
    print("leaving")
    leave(3)
""")


def test_leave_runs_the_exit_hooks_and_does_not_wait_for_threads(tmp_path):
    marker = tmp_path / "marker"
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(marker)], capture_output=True, text=True, timeout=30)
    took = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    assert result.stdout == "leaving\n"  # flushed before the process ends
    assert marker.read_text() == "hooks ran"
    assert took < 10  # far below the thread's 60 s
