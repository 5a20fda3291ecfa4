"""Opt-in start-up timing: ``TUINB_STARTUP_TRACE=FILE`` appends one JSON line per milestone.

Each line has the wall time since the process started (from /proc, so it includes the interpreter's own
start-up) and the CPU time the process has used. Milestones: ``app starts`` (just before ``App.run``) and
``first cells mounted`` (the first frame's cells exist; drawing them follows). There is no "painted" milestone:
Textual's after-refresh callbacks ran 0.1 s or more after the frame showed, so it measured the wrong thing.
``bench/bench_tui.py`` prints both; the time until the frame is on screen it measures from outside, in tmux.
"""

from __future__ import annotations

import json
import os
import time


def _process_age() -> float | None:
    """Seconds since this process started (Linux /proc; None elsewhere)."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as uptime:
            now = float(uptime.read().split()[0])
        return now - int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of stat: start time in ticks
    except (OSError, ValueError, IndexError):
        return None


def record(milestone: str) -> None:
    path = os.environ.get("TUINB_STARTUP_TRACE")
    if not path:
        return
    line = {"milestone": milestone, "since_start_s": _process_age(), "cpu_s": time.process_time()}
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
    except OSError:
        pass
