"""Command line: ``tuinb FILE`` opens the notebook; sub-commands work headless.

Exit codes: 0 ok, 1 a run failed, 2 bad input or usage, or a file that could not be written (a run's results
are then kept in a copy beside it, in the temporary folder, or on stdout). Start-up imports nothing heavy (not
even pydantic for ``--version``): every sub-command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from ._version import __version__

EXIT_OK, EXIT_RUN_FAILED, EXIT_BAD_INPUT = 0, 1, 2
SUBCOMMANDS = ("fmt", "validate", "resolve", "run", "open", "export", "space", "doctor", "demo", "credentials")


def _add_parser_trust(p: argparse.ArgumentParser | argparse._ArgumentGroup, **kwargs: Any) -> None:
    p.add_argument("--parsers", metavar="PATH", type=Path,
                   help="a model_parsers.py with register_model_parsers() (default: the one beside the notebook)",
                   **kwargs)
    p.add_argument("--trust-parsers", action="store_true",
                   help="trust and run that model_parsers.py (recorded by its hash; a changed file asks again)",
                   **kwargs)
    p.add_argument("--allow-remote-code", action="store_true",
                   help="let cells set trust_remote_code (runs code from model repositories)", **kwargs)


def _params_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="run-time parameter (string); NAME:=JSON for a JSON value; repeatable")


def _strict_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true",
                   help="exit 2 (and send nothing) if a template has a reference with no value")


def _add_open_options(p: argparse.ArgumentParser | argparse._ArgumentGroup, **kwargs: Any) -> None:
    """The options of ``tuinb FILE`` / ``tuinb open FILE`` (``kwargs``: for the top-level help only)."""
    p.add_argument("--read-only", action="store_true", help="view only: no edits, no runs, no saves", **kwargs)
    p.add_argument("--theme", help="colour theme (persisted in the config file)", **kwargs)
    p.add_argument("--graphics", choices=["auto", "sixel", "kitty", "halfcell", "unicode", "none"],
                   help="how images are drawn (default: detect)", **kwargs)
    _add_parser_trust(p, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tuinb",
        usage="tuinb [OPTIONS] FILE [OPTIONS]\n       tuinb COMMAND ...",
        description="A terminal notebook for AI prompts. `tuinb FILE` opens FILE (*.aiconfig.json / .yaml); "
                    "sub-commands work without a terminal UI.",
        epilog="A file named like a command opens with a path: tuinb ./run",
    )
    parser.add_argument("--version", action="version", version=f"tuinb {__version__}")
    # Shown in `tuinb --help`; never parsed here: main() hands `tuinb [OPTIONS] FILE` to the open command.
    _add_open_options(parser.add_argument_group("options of tuinb FILE (before or after FILE)"),
                      default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog="tuinb")

    p = sub.add_parser("open", help="open a notebook in the terminal UI (the default command)")
    p.add_argument("file", type=Path, help="notebook file; a missing file starts an empty notebook")
    _add_open_options(p)

    p = sub.add_parser("fmt", help="load and write back in the SDK's canonical format")
    p.add_argument("file", type=Path)
    p.add_argument("-o", "--output", help="write here instead of in place; '-' for stdout")

    p = sub.add_parser("validate", help="report every problem in the files; exit 2 if any is invalid")
    p.add_argument("files", type=Path, nargs="+")

    p = sub.add_parser("resolve", help="print resolved prompts (templates filled in)")
    p.add_argument("file", type=Path)
    p.add_argument("prompt", nargs="?", help="one prompt (default: all)")
    _params_arg(p)
    p.add_argument("--json", action="store_true", help="one JSON object {prompt: text | {error: ...}}")
    _strict_arg(p)
    _add_parser_trust(p)

    p = sub.add_parser("run", help="run prompts headless, streaming text to stdout")
    p.add_argument("file", type=Path)
    p.add_argument("prompts", nargs="*", help="prompt names (default with --all: every prompt)")
    p.add_argument("--all", action="store_true", help="run every prompt in order")
    p.add_argument("--with-deps", action="store_true", help="run the prompts each one references first")
    p.add_argument("--keep-going", action="store_true", help="with --all, continue after a failed prompt")
    _params_arg(p)
    save = p.add_mutually_exclusive_group()
    save.add_argument("--save", action="store_true", help="save the new outputs into FILE")
    save.add_argument("-o", "--output", help="write the whole notebook with its new outputs here")
    p.add_argument("--json", action="store_true", help="print {prompt: [outputs]} as JSON at the end")
    p.add_argument("--media-files", action="store_true",
                   help="store images/audio as files beside the notebook instead of base64")
    p.add_argument("--allow-outside-files", action="store_true",
                   help="let remote cells upload attachment files from outside the notebook's folder")
    _strict_arg(p)

    p.add_argument("--allow-credential", action="append", default=[], metavar="VAR@HOST",
                   help="let cells send the value of environment variable VAR to HOST (host or host:port) for "
                        "this run; repeatable. HF_TOKEN names the Hugging Face token")
    p.add_argument("--allow-private-urls", action="store_true",
                   help="let cells fetch URL attachments from loopback, private or link-local addresses")
    _add_parser_trust(p)

    p = sub.add_parser("export", help="write a read-only copy as HTML (self-contained) or Markdown")
    p.add_argument("file", type=Path)
    p.add_argument("--format", choices=["html", "md"], default="html")
    p.add_argument("-o", "--output", type=Path, help="default: beside FILE, as NAME.html / NAME.md")

    p = sub.add_parser("space", help="write a folder ready to upload as a Gradio Notebook Space")
    p.add_argument("file", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")
    p.add_argument("--keep-local-paths", action="store_true",
                   help="export even if a cell's model is a local path the Space cannot read")
    p.add_argument("--force", action="store_true", help="overwrite the files of a non-empty DIR")

    p = sub.add_parser("doctor", help="report graphics, audio, token, torch, parsers, paths and trust records")
    p.add_argument("--graphics", choices=["auto", "sixel", "kitty", "tgp", "halfcell", "unicode", "none"],
                   help="check this renderer instead of detecting")

    p = sub.add_parser("credentials", help="list, add or revoke remembered approvals to send a credential to a host")
    p.add_argument("action", choices=["list", "allow", "revoke"])
    p.add_argument("pair", nargs="?", metavar="VAR@HOST", help="for allow / revoke: e.g. OPENAI_API_KEY@localhost:11434")

    p = sub.add_parser("demo", help="build tiny offline models (once) and open a notebook that uses them all")
    p.add_argument("-o", "--output", type=Path, metavar="DIR", help="where to write the demo notebook")
    p.add_argument("--no-open", action="store_true", help="only build the models and write the notebook")
    p.add_argument("--reset", action="store_true",
                   help="write the demo notebook afresh (asks first in the terminal UI); without it an existing "
                        "demo notebook opens as you left it")
    p.add_argument("--graphics", choices=["auto", "sixel", "kitty", "halfcell", "unicode", "none"],
                   help="how images are drawn (default: detect)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # `tuinb [OPTIONS] FILE [OPTIONS]` is `tuinb open ...`: anything that does not start with a command name
    # (or ask for the top-level help or version). A file named like a command opens as ./NAME.
    if args_list and args_list[0] not in SUBCOMMANDS and args_list[0] not in ("-h", "--help", "--version"):
        args_list.insert(0, "open")
    parser = build_parser()
    if not args_list:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: 0 for --help/--version, 2 for usage errors
        return int(exc.code or 0)
    # Run as the program (no argv given): the UI may end the process itself once the app is done (ui/leave.py).
    args.leave_when_done = argv is None
    handler = {"open": cmd_open, "fmt": cmd_fmt, "validate": cmd_validate, "resolve": cmd_resolve,
               "run": cmd_run, "export": cmd_export, "space": cmd_space, "doctor": cmd_doctor,
               "demo": cmd_demo, "credentials": cmd_credentials}[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _err(message: str) -> None:
    print(_safe(message), file=sys.stderr)


def _out(message: object) -> None:
    """A line on stdout that may quote a notebook or a path: made inert for the terminal."""
    print(_safe(str(message)))


def _safe(text: str) -> str:
    """Text from a notebook or a model, made inert for the terminal (``--json`` output keeps exact data)."""
    from .sanitize import terminal_safe

    return terminal_safe(text)


def _load(path: Path):  # noqa: ANN202
    from .document import DocumentError
    from .notebook import Notebook

    try:
        nb = Notebook.load(path)
    except DocumentError as exc:
        for problem in exc.problems:
            _err(str(problem))
        return None
    for warning in nb.warnings:
        _err(str(warning))
    return nb


def _apply_plugins(nb, args) -> None:  # noqa: ANN001
    from .plugins import find_parsers_file, load_parsers

    nb.options.allow_trust_remote_code = bool(getattr(args, "allow_remote_code", False))
    path = find_parsers_file(nb.path, getattr(args, "parsers", None))
    if path is None:
        return
    status = load_parsers(path, nb.registry, trusted_now=bool(getattr(args, "trust_parsers", False)))
    if not status.loaded:
        _err(status.explain())


def _parse_params(items: list[str]) -> dict[str, Any] | None:
    params: dict[str, Any] = {}
    for item in items:
        if ":=" in item and ("=" not in item or item.index(":=") < item.index("=")):
            name, raw = item.split(":=", 1)
            try:
                params[name] = json.loads(raw)
            except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
                _err(f"-p {item}: invalid JSON value: {getattr(exc, 'msg', exc)}")
                return None
        elif "=" in item:
            name, value = item.split("=", 1)
            params[name] = value
        else:
            _err(f"-p {item}: expected NAME=VALUE")
            return None
        if not name:
            _err(f"-p {item}: empty parameter name")
            return None
    return params


def cmd_open(args: argparse.Namespace) -> int:
    try:
        from .ui.launch import launch
    except ImportError as exc:  # pragma: no cover - the UI package is part of every install
        _err(f"the terminal UI is not available: {exc}")
        return EXIT_BAD_INPUT
    return launch(args)


def cmd_fmt(args: argparse.Namespace) -> int:
    nb = _load(args.file)
    if nb is None:
        return EXIT_BAD_INPUT
    target = Path(args.output) if args.output else args.file  # "-" is stdout: the writer streams it
    from .rescue import describe_os_error

    try:
        nb.save(target, force=True)  # the notebook's own save: one write path for every notebook file
    except OSError as exc:  # full disk, read-only file system or folder, missing folder, a folder as target
        _err(f"tuinb fmt: cannot write {target}: {describe_os_error(exc)}; "
             f"{'nothing was written' if args.output else 'the file is unchanged'}")
        return EXIT_BAD_INPUT
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .document import DocumentError, load_path
    from .registry import UnknownParser, default_registry, model_name

    registry = default_registry()
    status = EXIT_OK
    for path in args.files:
        try:
            result = load_path(path)
        except DocumentError as exc:
            for problem in exc.problems:
                _out(str(problem))
            status = EXIT_BAD_INPUT
            continue
        for warning in result.warnings:
            _out(str(warning))
        for i, prompt in enumerate(result.doc.prompts):
            try:
                parser = registry.for_model(model_name(prompt, result.doc), result.doc)
            except Exception as exc:  # noqa: BLE001 - NoModelError
                _out(f"{path}: warning: prompts[{i}]: {exc}")
                continue
            if isinstance(parser, UnknownParser):
                _out(f"{path}: warning: prompts[{i}] ({prompt.name}): not runnable: {parser.reason}")
        reference_warnings = _validate_references(result.doc, registry)
        for line in reference_warnings:
            _out(f"{path}: warning: {line}")
        if not result.warnings and not reference_warnings:
            _out(f"{path}: ok ({len(result.doc.prompts)} prompts)")
    return status


def _validate_references(doc, registry) -> list[str]:  # noqa: ANN001
    """Cell names no template can reach, and references to cells that are not there (or come later)."""
    from .resolve import ResolveError, check_references, referenceable, suggested_name

    lines: list[str] = []
    for i, prompt in enumerate(doc.prompts):
        if not referenceable(prompt.name):
            lines.append(f"prompts[{i}] ({prompt.name}): no template can reference this cell "
                         f"({{{{{prompt.name}.output}}}} does not reach it); a name like "
                         f"{suggested_name(prompt.name)!r} can be")
    for i, prompt in enumerate(doc.prompts):
        try:
            report = check_references(doc, i, None, registry)
        except ResolveError:
            continue
        if report.error:
            lines.append(f"prompts[{i}] ({prompt.name}): {report.error}")
        for problem in report.problems:
            if problem.kind in ("below", "itself", "no-field", "unclosed") or (
                    problem.kind == "unknown" and problem.reason.startswith(("no cell", "no helper"))):
                lines.append(f"prompts[{i}] ({prompt.name}): {problem}")
    return lines


def _reference_problems(nb, name: str | int, params, ran_before: set[str]) -> tuple[list, str | None]:  # noqa: ANN001
    """The prompt's empty references (an earlier cell that runs first in this command has an output by then)
    and its template error, if any."""
    from .resolve import ResolveError, check_references

    with nb.lock:
        try:
            report = check_references(nb.doc, name, params, nb.registry)
        except ResolveError as exc:
            return [], str(exc)
    problems = [p for p in report.problems if not (p.kind == "no-output" and p.cell in ran_before)]
    return problems, report.error


def _strict_count(count: int) -> str:
    return f"{count} template warning{'s' if count != 1 else ''} (empty references or dropped text)"


def _warn_references(name: str, problems: list) -> None:
    for problem in problems:
        _err(f"{name}: warning: {problem}")


def cmd_resolve(args: argparse.Namespace) -> int:
    params = _parse_params(args.param)
    if params is None:
        return EXIT_BAD_INPUT
    nb = _load(args.file)
    if nb is None:
        return EXIT_BAD_INPUT
    _apply_plugins(nb, args)
    from .resolve import ResolveError, resolve_all

    results: dict[str, Any] = {}
    status = EXIT_OK
    empty = 0
    names = nb.names()
    targets = ([(args.prompt, args.prompt)] if args.prompt in names else []) if args.prompt else list(
        zip(names, range(len(names))))
    for name, key in targets:
        problems, error = _reference_problems(nb, key, params, set())
        _warn_references(name, problems)
        if error:
            _err(f"{name}: {error}")
        empty += len(problems)
    if args.strict and empty:
        _err(f"tuinb resolve: {_strict_count(empty)} (--strict)")
        return EXIT_BAD_INPUT
    if args.prompt:
        try:
            results[args.prompt] = nb.resolve(args.prompt, params).text
        except ResolveError as exc:
            results[args.prompt] = {"error": str(exc)}
            status = EXIT_BAD_INPUT
    else:
        with nb.lock:
            resolved = resolve_all(nb.doc, params, nb.registry)
        for prompt, result in zip(nb.doc.prompts, resolved):
            # Duplicate names: the later prompt wins, like the SDK's prompt_index.
            results[prompt.name] = {"error": str(result)} if isinstance(result, ResolveError) else result.text
            if isinstance(result, ResolveError):
                status = EXIT_BAD_INPUT
    if args.json:
        from .sanitize import json_terminal_safe

        print(json_terminal_safe(json.dumps(results, indent=2, ensure_ascii=False)))
    else:
        for name, value in results.items():
            if len(results) > 1:
                print(_safe(f"# {name}"))
            print(_safe(value if isinstance(value, str) else f"error: {value['error']}"))
    return status


def cmd_run(args: argparse.Namespace) -> int:
    params = _parse_params(args.param)
    if params is None:
        return EXIT_BAD_INPUT
    if not args.prompts and not args.all:
        _err("tuinb run: name the prompts to run, or use --all")
        return EXIT_BAD_INPUT
    nb = _load(args.file)
    if nb is None:
        return EXIT_BAD_INPUT
    _apply_plugins(nb, args)
    nb.options.media_as_files = args.media_files
    nb.options.allow_outside_files = args.allow_outside_files
    if not _apply_credential_flags(nb, args):
        return EXIT_BAD_INPUT
    names = [p.name for p in nb.doc.prompts] if args.all and not args.prompts else list(args.prompts)
    for name in names:
        if name not in nb.names():
            _err(f"tuinb run: no prompt named {name!r} in {args.file}")
            return EXIT_BAD_INPUT

    if not _check_run_references(nb, names, params, args):
        return EXIT_BAD_INPUT

    from .engine import RunFailed, RunNeedsConsent, RunStarted, RunWarning, TextChunk

    streamed: set[int] = set()
    line_open = [False]  # streamed text without its final newline yet

    def on_event(event) -> None:  # noqa: ANN001 - called from the run's thread; prints only
        if isinstance(event, RunNeedsConsent):
            _err(event.message)  # names the cell, what it would send or fetch, and the flag that allows it
            return
        if args.json:
            if isinstance(event, RunFailed):
                _err(f"{event.prompt_name}: failed: {event.message}")
            return
        if isinstance(event, RunStarted):
            if line_open[0]:
                sys.stdout.write("\n")
                line_open[0] = False
            _err(f"── {event.prompt_name} ({event.model_name})")
        elif isinstance(event, TextChunk):
            streamed.add(event.run_id)
            line_open[0] = True
            sys.stdout.write(_safe(event.chunk))
            sys.stdout.flush()
        elif isinstance(event, RunWarning):
            _err(f"{event.prompt_name}: warning: {event.message}")
        elif isinstance(event, RunFailed):
            _err(f"{event.prompt_name}: failed: {event.message}")

    from .session import CellEvent

    session = nb.session
    session.subscribe(lambda change: on_event(change.event) if isinstance(change, CellEvent) else None)
    failed = refused = False
    ran: dict[str, list] = {}
    for name in names:
        outcome = session.run(name, params, with_dependencies=args.with_deps)
        if outcome.status == "needs_consent":  # nothing was sent; the message named what and the flag
            refused = True
            if not args.keep_going:
                break
            continue
        # a failed run leaves the cell's outputs as they were; --json reports what went wrong instead
        ran[name] = [outcome.error] if outcome.error is not None else outcome.outputs
        if outcome.ok and not args.json:
            _print_outputs(outcome.outputs, already_streamed=bool(streamed))
            line_open[0] = False
        elif line_open[0]:
            sys.stdout.write("\n")
            line_open[0] = False
        streamed.clear()
        if not outcome.ok:
            failed = True
            if not args.keep_going:
                break
    if args.json:
        payload = {name: [o.model_dump(mode="json", exclude_none=True) for o in outs] for name, outs in ran.items()}
        from .sanitize import json_terminal_safe

        print(json_terminal_safe(json.dumps(payload, indent=2)))
    if args.save and not args.output and not nb.dirty:
        _err("nothing to save: no cell's outputs changed")  # the file stays byte for byte as it was
    elif args.save or args.output:
        from .notebook import ExternalChangeError
        from .rescue import describe_os_error

        try:
            nb.save(args.output if args.output else None)
        except ExternalChangeError as exc:
            _err(f"not saved: {exc}; use -o to write elsewhere")
            _keep_unsaved_results(nb, Path(args.output or args.file), args.json)
            return EXIT_BAD_INPUT
        except OSError as exc:  # full disk, read-only file system or folder, missing folder
            target = Path(args.output or args.file)
            _err(f"not saved: cannot write {target}: {describe_os_error(exc)}; "
                 f"{'nothing was written there' if args.output else 'the file is unchanged'}")
            _keep_unsaved_results(nb, target, args.json)
            return EXIT_BAD_INPUT
    if refused:
        return EXIT_BAD_INPUT
    return EXIT_RUN_FAILED if failed else EXIT_OK


def _check_run_references(nb, names: list[str], params, args: argparse.Namespace) -> bool:  # noqa: ANN001
    """Before anything is sent: warn about each empty reference of the prompts this command runs (their
    dependencies too with --with-deps); False (send nothing) on a template error, or any warning with --strict."""
    from .resolve import dependencies

    ran_before: set[str] = set()
    ok, empty = True, 0
    for name in names:
        order = [name]
        if args.with_deps:
            with nb.lock:
                order = [nb.doc.prompts[i].name for i in dependencies(nb.doc, name, nb.registry)] + [name]
        for step in order:
            problems, error = _reference_problems(nb, step, params, ran_before)
            _warn_references(step, problems)
            empty += len(problems)
            if error:
                _err(f"{step}: {error}")
                ok = False
            ran_before.add(step)
    if not ok:
        _err("tuinb run: nothing was run: fix the template errors above")
    elif args.strict and empty:
        _err(f"tuinb run: nothing was run: {_strict_count(empty)} (--strict)")
        ok = False
    return ok


def _apply_credential_flags(nb, args) -> bool:  # noqa: ANN001
    """``--allow-credential VAR@HOST`` (checked here, so a typo is an error and not a silent refusal later),
    ``--allow-private-urls``, and the configured key variable of OpenAI-compatible cells."""
    from .secrets import parse_pair

    pairs = []
    for text in args.allow_credential:
        try:
            var, host = parse_pair(text)
        except ValueError as exc:
            _err(f"--allow-credential: {exc}")
            return False
        pairs.append(f"{var}@{host}")
    nb.options.allowed_credentials = frozenset(pairs)
    nb.options.allow_private_urls = args.allow_private_urls
    nb.options.api_key_env = _configured_api_key_env()
    return True


def _configured_api_key_env() -> str:
    from .config import load_config
    from .secrets import DEFAULT_API_KEY_VAR

    config, _problems = load_config()
    return config.api_key_env or DEFAULT_API_KEY_VAR


def cmd_credentials(args: argparse.Namespace) -> int:
    from .secrets import ApprovalStore, parse_pair

    store = ApprovalStore()
    if args.action == "list":
        approvals = store.list()
        if store.problem:
            _err(store.problem)
            return EXIT_BAD_INPUT
        if not approvals:
            _out(f"no remembered approvals ({store.path})")
        for approval in approvals:
            _out(f"{approval.pair}  approved {approval.approved_at or 'earlier'}")
        return EXIT_OK
    if not args.pair:
        _err(f"tuinb credentials {args.action}: name the approval as VAR@HOST")
        return EXIT_BAD_INPUT
    try:
        var, host = parse_pair(args.pair)
    except ValueError as exc:
        _err(f"tuinb credentials {args.action}: {exc}")
        return EXIT_BAD_INPUT
    try:
        if args.action == "allow":
            store.add(var, host)
            _out(f"{var}@{host}: approved (revoke with: tuinb credentials revoke {var}@{host})")
            return EXIT_OK
        if store.revoke(var, host):
            _out(f"{var}@{host}: revoked")
            return EXIT_OK
    except OSError as exc:
        _err(f"tuinb credentials {args.action}: {exc}")
        return EXIT_BAD_INPUT
    _err(f"tuinb credentials revoke: {var}@{host} was not approved (see: tuinb credentials list)")
    return EXIT_BAD_INPUT


def _keep_unsaved_results(nb, target: Path, printed_json: bool) -> None:  # noqa: ANN001
    """A save failed: the notebook with this run's outputs goes beside the file, else to the temporary folder,
    else to stdout (unless --json already printed the outputs there), and stderr says where."""
    from .rescue import notebook_text, write_rescue_copy

    text = notebook_text(nb.doc, target)
    where = write_rescue_copy(text, target)
    if where is not None:
        _err(f"the notebook with this run's outputs was written to {where}")
    elif printed_json:
        _err("no folder could take a copy either: this run's outputs are in the JSON printed on stdout")
    else:
        from .document import dumps
        from .sanitize import json_terminal_safe

        _err("no folder could take a copy either: the notebook with this run's outputs follows on stdout (JSON)")
        sys.stdout.write(json_terminal_safe(dumps(nb.doc, "json")))  # the same JSON value, inert on a terminal
        sys.stdout.flush()


def cmd_export(args: argparse.Namespace) -> int:
    nb = _load(args.file)
    if nb is None:
        return EXIT_BAD_INPUT
    from .media.export import export_notebook

    try:
        out = export_notebook(nb, args.format, args.output)
    except OSError as exc:
        _err(f"tuinb export: {exc}")
        return EXIT_BAD_INPUT
    if str(out) != "-":  # "-" streamed the export itself to stdout
        _out(out)
    return EXIT_OK


def cmd_space(args: argparse.Namespace) -> int:
    nb = _load(args.file)
    if nb is None:
        return EXIT_BAD_INPUT
    from .media.space import SpaceRefused, build_space

    try:
        result = build_space(nb, args.output, keep_local_paths=args.keep_local_paths, force=args.force)
    except SpaceRefused as exc:
        for problem in exc.problems:
            _err(f"tuinb space: {problem}")
        _err(f"hint: {exc.hint}")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"tuinb space: {exc}")
        return EXIT_BAD_INPUT
    for name in result.files:
        _out(result.folder / name)
    for note in result.notes:
        _err(f"note: {note}")
    if result.downloads:
        _err("note: these models download into the Space's storage on first run: "
             + ", ".join(f"{model} ({cell})" for cell, model in result.downloads.items()))
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import main as doctor_main

    return doctor_main(args.graphics)


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import build_models, default_demo_dir, demo_exists, write_demo

    out_dir = args.output or default_demo_dir()
    existed = demo_exists(out_dir)
    # An existing demo notebook holds the user's edits: it is only rewritten with --reset, and in the UI only
    # after the user says yes there.
    ask_in_ui = existed and args.reset and not args.no_open
    try:
        dirs = build_models(lambda message: _err(f"tuinb demo: {message}"))
        path = write_demo(out_dir, dirs, reset=args.reset and not ask_in_ui)
    except Exception as exc:  # noqa: BLE001 - torch/transformers missing or broken: say so plainly
        _err(f"tuinb demo: cannot build the demo models: {type(exc).__name__}: {exc}")
        return EXIT_BAD_INPUT
    _out(path)
    if existed and not args.reset:
        _err("tuinb demo: opening the demo notebook as you left it (--reset writes it afresh)")
    if args.no_open:
        return EXIT_OK
    reset = (lambda: write_demo(out_dir, dirs, reset=True)) if ask_in_ui else None
    return cmd_open(argparse.Namespace(file=path, read_only=False, theme=None, graphics=args.graphics,
                                       parsers=None, trust_parsers=False, allow_remote_code=False,
                                       reset_demo=reset))


def _print_outputs(outputs: list, *, already_streamed: bool) -> None:
    from .document.models import Error, OutputDataWithStringValue

    for output in outputs:
        if isinstance(output, Error):
            continue
        data = output.data
        if isinstance(data, str):
            if already_streamed:
                sys.stdout.write("\n")
            else:
                print(_safe(data))
        elif isinstance(data, OutputDataWithStringValue):
            size = len(data.value) * 3 // 4 if data.kind == "base64" else 0
            where = data.value if data.kind == "file_uri" else f"{size:,} bytes"
            print(_safe(f"[{output.mime_type or 'data'} output: {where}]"))
        else:
            print(_safe(json.dumps(data)))
    sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
