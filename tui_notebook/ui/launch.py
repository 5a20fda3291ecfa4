"""Entry point from the command line into the terminal UI: config, notebook, parser trust, then the app."""

from __future__ import annotations

import argparse
import gc
import sys

from ..sanitize import terminal_safe

SWITCH_INTERVAL_S = 0.001


def launch(args: argparse.Namespace) -> int:
    # No cyclic garbage collection until the notebook is on screen: importing Textual and pydantic and building
    # the first frame allocate hundreds of thousands of long-lived objects, and the collector's passes over them
    # (about 120 of them before the app even starts) cost 25 ms+ of the first paint. The app turns it back on a
    # second after start, once those objects are frozen out of it (TuinbApp._settle).
    gc.disable()
    # Textual reads keys and writes frames in threads of its own, and the UI thread renders in pure Python: a
    # thread that wants the interpreter lock waits up to the switch interval for it (5 ms by default), a few
    # times per key and per frame. 1 ms took the key-latency tail in tmux from p95 70 to 53 ms (pooled A/B).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    config, problems = _load_config()
    for problem in problems:  # also shown in the app (behind the alternate screen, stderr is read after quitting)
        print(terminal_safe(f"tuinb: {problem}"), file=sys.stderr)
    graphics_choice = getattr(args, "graphics", None) or (config.graphics if config is not None else None)

    # Ask the terminal what it can draw now and read the answers just before the app starts: the wait
    # overlaps with loading the notebook (ui/media/graphics.py).
    from .media import graphics

    graphics.begin(graphics_choice)
    try:
        code = _open_and_run(args, config, graphics_choice, problems)
    finally:
        graphics.abandon()  # restores the terminal if start-up stopped before setup()
    if getattr(args, "leave_when_done", False):
        from .leave import leave

        leave(code)  # the shell prompt comes back now, not after the interpreter's teardown
    return code


def _open_and_run(args: argparse.Namespace, config, graphics_choice: str | None,  # noqa: ANN001
                  config_problems: "list[str] | tuple[str, ...]" = ()) -> int:
    from ..document import DocumentError
    from ..notebook import Notebook
    from ..plugins import find_parsers_file, is_trusted, load_parsers
    from .media import graphics

    try:
        notebook = Notebook.open(args.file)
    except DocumentError as exc:
        for problem in exc.problems:
            print(terminal_safe(str(problem)), file=sys.stderr)
        return 2
    except OSError as exc:
        print(terminal_safe(f"tuinb: cannot open {args.file}: {exc}"), file=sys.stderr)
        return 2
    notebook.options.allow_trust_remote_code = bool(getattr(args, "allow_remote_code", False))
    notebook.options.local_process = True  # models generate in their own process: keys stay responsive
    if config is not None:
        notebook.options.media_as_files = bool(getattr(config, "media_as_files", False))
        notebook.options.api_key_env = getattr(config, "api_key_env", None) or notebook.options.api_key_env

    trust_prompt = None
    parsers_file = find_parsers_file(notebook.path, getattr(args, "parsers", None))
    if parsers_file is not None and parsers_file.is_file():
        trusted = bool(getattr(args, "trust_parsers", False)) or is_trusted(parsers_file)
        if trusted:
            status = load_parsers(parsers_file, notebook.registry, trusted_now=bool(args.trust_parsers))
            if status.error:
                print(terminal_safe(f"tuinb: {status.explain()}"), file=sys.stderr)
        elif not args.read_only:
            trust_prompt = parsers_file.resolve()

    theme = getattr(args, "theme", None) or (config.theme if config is not None else None)
    if config is not None and getattr(args, "theme", None) and args.theme != config.theme:
        _persist_theme(config, args.theme)

    from .app import TuinbApp

    graphics.setup(graphics_choice)  # the answers, before the app owns the terminal's input

    app = TuinbApp(
        notebook,
        read_only=bool(args.read_only),
        theme=theme,
        keymap=dict(config.keymap) if config is not None else None,
        autosave_seconds=config.autosave_seconds if config is not None else 5.0,
        trust_prompt=trust_prompt,
        config=config,
        graphics=graphics_choice,
        defer_markdown=True,  # the first frame does not wait for markdown-it
        typed_ahead=graphics.take_typed_ahead(),
        reset_demo=getattr(args, "reset_demo", None),
        config_problems=list(config_problems),
    )
    from .startup_trace import record

    record("app starts")
    result = app.run()
    return int(result or 0)


def _load_config():  # noqa: ANN202
    try:
        from ..config import load_config
        from .keys import known_ids

        return load_config(binding_ids=known_ids())
    except Exception as exc:  # noqa: BLE001 - a broken config must never stop the notebook opening
        return None, [f"config not loaded: {exc}"]


def _persist_theme(config, theme: str) -> None:  # noqa: ANN001
    try:
        from ..config import save_config

        config.theme = theme
        save_config(config)
    except Exception:  # noqa: BLE001
        pass
