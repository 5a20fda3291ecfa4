"""``tuinb doctor``: what tuinb found on this machine, as plain text, in a second or two, never crashing.

Each section is computed on its own and a failure becomes one line saying so: doctor is what a user runs
when something is broken, so it must not be broken by the same thing. Token values are never printed.
torch is imported here only (it is what tells us the devices), and only to report.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import time
from typing import Callable, Iterable

from .secrets import HF_TOKEN_VARS as TOKEN_VARS


def _section(title: str, fn: Callable[[], Iterable[str]]) -> list[str]:
    lines = [title]
    started = time.monotonic()
    try:
        lines += [f"  {line}" for line in fn()]
    except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
        lines.append(f"  could not check: {type(exc).__name__}: {exc}")
    elapsed = time.monotonic() - started
    if elapsed > 1.0:
        lines.append(f"  (took {elapsed:.1f} s)")
    return lines


def graphics_lines(choice: str | None = None) -> list[str]:
    from .ui.media.graphics import detect

    info = detect(choice or os.environ.get("TUINB_GRAPHICS") or "auto")
    lines = [f"renderer: {info.renderer}", f"why: {info.reason}"]
    if info.cell_size:
        lines.append(f"cell size: {info.cell_size[0]}×{info.cell_size[1]} px ({info.cell_reason})")
    else:
        lines.append(f"cell size: {info.cell_reason}")
    term = os.environ.get("TERM", "")
    prog = os.environ.get("TERM_PROGRAM", "")
    lines.append(f"terminal: TERM={term or '(unset)'}" + (f", TERM_PROGRAM={prog}" if prog else "")
                 + (", inside tmux" if os.environ.get("TMUX") else ""))
    lines.append("force one with: tuinb FILE --graphics sixel|kitty|halfcell|unicode|none")
    return lines


def audio_lines() -> list[str]:
    from .media.audio_playback import PLAYERS, find_player, is_remote, output_devices
    from .media.files import remote_session

    devices, why = output_devices()
    lines = [f"output devices: {', '.join(devices)}" if devices else f"output devices: none ({why})"]
    found = [name for name in PLAYERS if shutil.which(name)]
    lines.append(f"players on PATH: {', '.join(found) if found else 'none'} (probed: {', '.join(PLAYERS)})")
    configured = _configured_player()
    if configured:
        ok = find_player(configured) is not None
        lines.append(f"configured audio_player: {configured} ({'found' if ok else 'NOT found'})")
    if remote_session():
        lines.append("session: remote (SSH)" + (" with PULSE_SERVER forwarded: players are used"
                                                 if not is_remote() else
                                                 ": audio is saved and an scp command is shown"))
    else:
        lines.append("session: local")
    return lines


def _configured_player() -> str | None:
    try:
        from .config import load_config

        config, _ = load_config()
        value = config.extra.get("audio_player")
        return value if isinstance(value, str) and value else None
    except Exception:  # noqa: BLE001
        return None


def token_lines() -> list[str]:
    found = [var for var in TOKEN_VARS if os.environ.get(var)]
    lines = [f"HF token: set ({', '.join(found)})" if found else "HF token: not set in the environment"]
    try:
        from huggingface_hub.constants import HF_TOKEN_PATH  # light module: constants only

        if os.path.exists(HF_TOKEN_PATH):
            lines.append(f"HF token file: present ({HF_TOKEN_PATH})")
    except Exception:  # noqa: BLE001 - huggingface_hub missing: nothing to say
        pass
    return lines


def torch_lines() -> list[str]:
    try:
        import torch
    except Exception as exc:  # noqa: BLE001
        return [f"torch: not available ({exc}); local models cannot run"]
    lines = [f"torch {torch.__version__}", "devices: cpu"]
    try:
        if torch.cuda.is_available():
            names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
            lines[-1] += ", " + ", ".join(f"cuda:{i} ({n})" for i, n in enumerate(names))
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            lines[-1] += ", mps"
    except Exception as exc:  # noqa: BLE001
        lines.append(f"device query failed: {exc}")
    lines.append(f"threads: {torch.get_num_threads()}")
    return lines


def parser_lines() -> list[str]:
    from .registry import default_registry

    registry = default_registry()
    by_parser: dict[str, list[str]] = {}
    for name, parser in registry.items():
        by_parser.setdefault(f"{parser.id}{' (local)' if getattr(parser, 'local', False) else ''}", []).append(name)
    lines = [f"{len(by_parser)} parsers, {len(registry.names())} names"]
    for pid, names in sorted(by_parser.items()):
        aliases = [n for n in names if n != pid.split(" (")[0]]
        lines.append(f"{pid}" + (f"  ← {', '.join(sorted(aliases))}" if aliases else ""))
    return lines


def path_lines() -> list[str]:
    from . import paths

    config = paths.config_file()
    lines = [f"config file: {config} ({'exists' if config.exists() else 'not created yet'})",
             f"data dir: {paths.data_dir()}", f"cache dir: {paths.cache_dir()}",
             f"recovery files: {paths.recovery_dir()} (never beside a notebook)"]
    try:
        from .config import load_config
        from .ui.keys import known_ids

        _, problems = load_config(binding_ids=known_ids())
        lines += [f"config problem: {p}" for p in problems]
    except Exception as exc:  # noqa: BLE001
        lines.append(f"config not readable: {exc}")
    return lines


def trust_lines() -> list[str]:
    import json

    from .paths import trust_file

    path = trust_file()
    if not path.exists():
        return [f"no trusted model_parsers.py files ({path})"]
    records = json.loads(path.read_text(encoding="utf-8"))
    lines = [f"{len(records)} trusted file(s) in {path}"]
    for key, value in sorted(records.items()):
        sha = value.get("sha256", "")[:12] if isinstance(value, dict) else str(value)[:12]
        state = "" if os.path.exists(key) else " (file no longer exists)"
        lines.append(f"{key}  sha256 {sha}…{state}")
    return lines


def credential_lines() -> list[str]:
    """Which token variables are set (names only) and every remembered (variable, host) approval."""
    from .config import load_config
    from .secrets import DEFAULT_API_KEY_VAR, ApprovalStore

    config, _ = load_config()
    key_var = config.api_key_env or DEFAULT_API_KEY_VAR
    lines = [f"OpenAI-compatible key variable: {key_var} ({'set' if os.environ.get(key_var) else 'not set'}); "
             "sent only to hosts you approved",
             "Hugging Face token: sent to huggingface.co and its subdomains over https; elsewhere only if approved"]
    store = ApprovalStore()
    approvals = store.list()
    if store.problem:
        lines.append(store.problem)
    if not approvals:
        lines.append(f"no remembered approvals ({store.path})")
    else:
        lines.append(f"{len(approvals)} remembered approval(s) in {store.path}:")
        lines += [f"  {a.pair}  (since {a.approved_at or 'earlier'})" for a in approvals]
        lines.append("revoke one with: tuinb credentials revoke VAR@HOST")
    return lines


def report(graphics: str | None = None) -> str:
    from ._version import __version__

    lines = [f"tuinb {__version__} · Python {platform.python_version()} · {platform.system()} "
             f"{platform.machine()}", ""]
    for title, fn in (("Graphics", lambda: graphics_lines(graphics)), ("Audio", audio_lines),
                      ("Hugging Face", token_lines), ("torch", torch_lines), ("Parsers", parser_lines),
                      ("Paths", path_lines), ("Trusted parser files", trust_lines),
                      ("Credentials", credential_lines)):
        lines += _section(title, fn)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(graphics: str | None = None) -> int:
    from .sanitize import terminal_safe

    sys.stdout.write(terminal_safe(report(graphics)))  # paths and config values may hold anything
    sys.stdout.flush()
    return 0
