"""The user's ``config.toml`` (theme, graphics, keymap, autosave interval): read leniently, written atomically.

No Textual imports: the command line reads this before deciding whether to start the UI at all.
Reading uses the standard library's ``tomllib``; writing is a tiny writer of our own, because the file
is flat values plus one ``[keymap]`` table and a TOML-writing dependency would cost more than it saves.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection

from . import paths
from .bounded_read import read_regular_file

MAX_CONFIG_BYTES = 1024 * 1024

GRAPHICS_CHOICES = ("auto", "sixel", "tgp", "kitty", "halfcell", "unicode", "none")
"""Values ``graphics`` accepts (the ``--graphics`` flag uses the same list)."""


@dataclass
class Config:
    """Everything tuinb remembers between runs."""

    theme: str = "tuinb-dark"
    """Textual theme name (ours: ``tuinb-dark``, ``tuinb-light``; Textual's built-ins also work)."""
    graphics: str = "auto"
    """Image protocol: ``auto``, ``sixel``, ``tgp`` (= ``kitty``), ``halfcell``, ``unicode`` or ``none``."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys (comma-separated), applied with ``App.set_keymap``."""
    autosave_seconds: float = 5.0
    """How often unsaved edits are written to the recovery file beside the notebook."""
    media_as_files: bool = False
    """Write generated images/audio to files beside the notebook instead of base64 in the JSON."""
    confirm_empty_references: bool = True
    """Ask before running a cell whose template has references that insert nothing (``{{nope}}``, a cell below,
    a cell with no output yet); false runs such cells without asking (the cell still shows the warning)."""
    api_key_env: str = "OPENAI_API_KEY"
    """The environment variable an OpenAI-compatible cell takes its key from when it names none. It is sent
    only to hosts you approved (``tuinb credentials``)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys this version does not know, kept so saving never drops a newer tuinb's settings."""


_KNOWN = ("theme", "graphics", "keymap", "autosave_seconds", "media_as_files", "confirm_empty_references",
          "api_key_env")


def load_config(path: Path | None = None, *, binding_ids: Collection[str] | None = None) -> tuple[Config, list[str]]:
    """Read the config file (default ``paths.config_file()``); never raises for bad content.

    Returns the config (defaults for anything missing or bad) and one message per problem, each naming
    ``file:line`` and the key so the user can fix it. ``binding_ids``: the key bindings a ``[keymap]`` entry may
    name (the UI's table); an entry naming another is reported, and kept (a later version may know it).
    """
    path = path or paths.config_file()
    config = Config()
    try:
        text = read_regular_file(path, MAX_CONFIG_BYTES).decode("utf-8")  # never a FIFO or a device
    except FileNotFoundError:
        return config, []
    except (OSError, UnicodeDecodeError) as exc:
        return config, [f"{path}: cannot read the config file ({exc}); using defaults"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line N, column M)"; lift the line into the usual file:line prefix.
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"{path}:{match.group(1)}" if match else str(path)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return config, [f"{where}: not valid TOML ({message}); using defaults for every setting"]
    except ValueError as exc:  # e.g. an integer too long for Python to convert
        return config, [f"{path}: not valid TOML ({exc}); using defaults for every setting"]

    problems: list[str] = []

    def bad(key: str, message: str, table: str | None = None) -> None:
        problems.append(f"{path}:{_line_of(text, key, table)}: {'.'.join(filter(None, [table, key]))}: {message}")

    if "theme" in data:
        value = data["theme"]
        if isinstance(value, str) and value.strip():
            config.theme = value.strip()
        else:
            bad("theme", f"expected a theme name (text), got {value!r}; using {config.theme!r}")
    if "graphics" in data:
        value = data["graphics"]
        if isinstance(value, str) and value in GRAPHICS_CHOICES:
            config.graphics = value
        else:
            bad("graphics", f"expected one of {', '.join(GRAPHICS_CHOICES)}, got {value!r}; using 'auto'")
    if "autosave_seconds" in data:
        value = data["autosave_seconds"]
        # bool is an int in Python; `autosave_seconds = true` is a mistake, not one second.
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
            config.autosave_seconds = float(value)
        else:
            bad("autosave_seconds", f"expected a number of seconds above 0, got {value!r}; using 5")
    for key in ("media_as_files", "confirm_empty_references"):
        if key in data:
            value = data[key]
            if isinstance(value, bool):
                setattr(config, key, value)
            else:
                default = "true" if getattr(Config, key) else "false"
                bad(key, f"expected true or false, got {value!r}; using {default}")
    if "api_key_env" in data:
        value = data["api_key_env"]
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value.strip()):
            config.api_key_env = value.strip()
        else:
            bad("api_key_env", f"expected an environment variable name, got {value!r}; using OPENAI_API_KEY")
    if "keymap" in data:
        value = data["keymap"]
        if isinstance(value, dict):
            for binding_id, keys in value.items():
                if binding_ids is not None and binding_id not in binding_ids:
                    bad(binding_id, "no key binding has this id (the help, ?, lists them); ignored", "keymap")
                if isinstance(keys, str) and keys.strip():
                    config.keymap[binding_id] = keys.strip()
                else:
                    bad(binding_id, f"expected keys as text like \"ctrl+r,f5\", got {keys!r}; ignored", "keymap")
        else:
            bad("keymap", "expected a [keymap] table of binding id = \"keys\"; ignored")
    config.extra = {key: value for key, value in data.items() if key not in _KNOWN}
    return config, problems


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write ``config`` atomically (default ``paths.config_file()``) and return the path written.

    Unknown keys read earlier (``config.extra``) are written back, so a newer tuinb's settings survive.
    Comments in a hand-edited file are not kept.
    """
    path = path or paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Imported here: the document package loads pydantic, which reading the config must not wait for (start-up
    # reads the config first, then starts the terminal probe).
    from .document.atomic import atomic_write_text

    atomic_write_text(path, dumps_config(config))
    return path


def dumps_config(config: Config) -> str:
    """The TOML text for ``config``: flat values first, then tables (TOML needs that order)."""
    flat: dict[str, Any] = {
        "theme": config.theme,
        "graphics": config.graphics,
        "autosave_seconds": config.autosave_seconds,
        "media_as_files": config.media_as_files,
        "confirm_empty_references": config.confirm_empty_references,
    }
    if config.api_key_env != Config.api_key_env:
        flat["api_key_env"] = config.api_key_env
    tables: dict[str, dict[str, Any]] = {"keymap": dict(config.keymap)}
    for key, value in config.extra.items():
        if key in _KNOWN:
            continue
        (tables if isinstance(value, dict) else flat)[key] = value
    lines = ["# tuinb settings. Keymap: binding id = \"keys\" (see the help screen for ids)."]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in flat.items()]
    for name, table in tables.items():
        lines += ["", f"[{_key(name)}]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    # A JSON string is a valid TOML basic string except for the \/ escape, which json.dumps never emits.
    return json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "isoformat"):  # tomllib gives dates/times for TOML date values
        return value.isoformat()
    return _string(str(value))


def _line_of(text: str, key: str, table: str | None) -> int:
    """1-based line where ``key`` is assigned (inside ``[table]`` when given); 1 if not found.

    tomllib reports no positions for values, so we find the assignment ourselves; good enough for the
    flat file we write and for hand edits that follow it.
    """
    current: str | None = None
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:#.*)?$")
    for number, line in enumerate(text.splitlines(), start=1):
        found = header.match(line)
        if found:
            current = found.group(1).strip("\"'")
            continue
        if current == table and pattern.match(line):
            return number
    if table is None:
        for number, line in enumerate(text.splitlines(), start=1):
            if re.match(rf"^\s*\[\s*{re.escape(key)}\s*\]", line):
                return number
    return 1
