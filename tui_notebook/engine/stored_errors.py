"""What an Error output may carry into a notebook file: its class name and message, never a traceback.

Notebooks are shared; a traceback names the files of the machine that ran the cell (the user's home, the
virtualenv, the notebook's folder). A parser may still return an Error output as a result, so the engine passes
every output through here before it stores them. The user's home in a message is written as ``~``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from ..document.models import Error, Output


def _homes() -> list[str]:
    homes = {os.path.expanduser("~"), os.environ.get("HOME", "")}
    try:
        homes.add(str(Path.home().resolve()))
    except (OSError, RuntimeError):
        pass
    # longest first, so /home/ann/work is not left as ~/work's parent would be
    return sorted((h.rstrip("/") for h in homes if h and h.rstrip("/")), key=len, reverse=True)


def without_home(text: str) -> str:
    """``text`` with the user's home folder written as ``~``."""
    for home in _homes():
        text = text.replace(home, "~")
    return text


def storable_error(error: Error) -> Error:
    """The Error as it may be written into a notebook: message only, no local paths."""
    if not error.traceback and without_home(error.evalue) == error.evalue:
        return error
    return error.model_copy(update={"traceback": [], "evalue": without_home(error.evalue)})


def without_tracebacks(outputs: Iterable[Output]) -> list[Output]:
    """The outputs to store, with every Error output reduced to its message."""
    return [storable_error(o) if isinstance(o, Error) else o for o in outputs]
