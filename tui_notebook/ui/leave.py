"""Leaving the program once the app has ended: the exit hooks run, the interpreter's teardown does not.

After the terminal is given back, the interpreter would still tear down every module and the app's hundreds of
thousands of objects before the shell prompt returns (about half a second), and first join the non-daemon
threads (a ThreadPoolExecutor's included). Nothing in that teardown is ours to wait for: runs still going are
abandoned (their threads are daemons), files are written atomically, and the exit hooks — stopping the local
model process, flushing logs — run here as they would at a normal exit.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn


def leave(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed or broken stream has nothing left to flush
            pass
    atexit._run_exitfuncs()  # the documented atexit hooks, in their usual order
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(code)
