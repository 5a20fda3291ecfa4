"""Run every ``bench/bench_*.py`` (each in its own process) and print ONE table: the machine, then every figure
with its target. This is what ``make bench`` runs; docs/performance.md keeps its output.

    .venv/bin/python bench/run_all.py [--only foundation,engine] [--out bench/last-run.md]

Each benchmark script prints plain lines; this script turns them into table rows:
``name  result  target`` (columns separated by two or more spaces), ``name: result ... target <= X``, or a
column table under a header line (``case  direct  parser  ratio``). Nothing is asserted: the numbers depend
on the machine and on what else it is doing (the load average before and after is printed for that reason).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
ORDER = ["foundation", "engine", "parsers", "tui"]  # then any other bench_*.py, alphabetically
TIMEOUT = 1800

# Targets for rows whose script prints none (issue 6).
TARGETS = [
    (re.compile(r"^(text-generation|summarization), \d+ tokens"), "≤ 1.10× (parser / direct)"),
    (re.compile(r"time to first token"), "—"),
]


def machine() -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
                break
    except OSError:
        pass

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = "?"
    return [
        ("machine", f"{os.cpu_count()} CPUs ({cpu}), {ram} RAM, {platform.system()} {platform.release()}"),
        ("python", f"{platform.python_version()} ({_base_interpreter()}) · torch {version('torch')} · transformers "
                   f"{version('transformers')} · textual {version('textual')} · pydantic {version('pydantic')}"),
        ("run", f"{_dt.datetime.now().strftime('%Y-%m-%d %H:%M')} · commit {commit}"),
        ("cpu speed", cpu_speed()),
    ]


def _base_interpreter() -> str:
    """The interpreter the venv was made from: builds differ by ~20 % in speed (see the Makefile's PYTHON)."""
    return str(Path(getattr(sys, "_base_executable", sys.executable)).resolve())


def cpu_speed() -> str:
    """CPU time of a fixed pure-Python loop: this VM's speed changes by up to 50 % from hour to hour (other
    guests on the host), and every figure above moves with it, so each run says how fast the machine was."""
    started = time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i * i
    return (f"{(time.process_time() - started) * 1000:.0f} ms CPU for 3 M loop steps (lower is faster; compare "
            f"runs on the same interpreter only)")


def compile_package() -> None:
    """Byte-compile tuinb where it is imported from. An editable install under PYTHONDONTWRITEBYTECODE=1 (this
    machine's setting) never writes .pyc files, so every edited module would be compiled again at every start
    and the start-up figures would include that; a normal install compiled everything when it was installed."""
    import compileall

    import tui_notebook

    for folder in {Path(tui_notebook.__file__).parent, *(Path(p) for p in tui_notebook.__path__)}:
        compileall.compile_dir(folder, quiet=2)
    for name in ("tui_notebook.parsers", "tui_notebook.themes"):
        module = __import__(name, fromlist=["_"])
        for folder in getattr(module, "__path__", []):
            compileall.compile_dir(folder, quiet=2)


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def parse(script: str, output: str) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    columns: list[str] | None = None
    for raw in output.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        parts = re.split(r"\s{2,}", line.strip())
        first = parts[0].lower()
        if first in ("benchmark", "case") or first.startswith(("benchmark ", "case ")):
            columns = re.split(r"\s+", line.strip())[1:] if first.startswith("case") else None
            continue
        indent = "  " if raw.startswith("  ") and not raw.strip()[:1].isdigit() else ""
        target = ""
        match = re.search(r"\s(target\s.*)$", line)
        if match:
            target = match.group(1)[len("target"):].strip()
            line = line[: match.start()].rstrip()
            parts = re.split(r"\s{2,}", line.strip())
        if columns and len(parts) == len(columns) + 1:
            name = parts[0]
            result = " · ".join(f"{c} {v}" if c != "ratio" else f"**{v}**" for c, v in zip(columns, parts[1:]))
        elif len(parts) >= 3 and not target:
            name, result, target = parts[0], parts[1], "  ".join(parts[2:])
        elif len(parts) == 2:
            name, result = parts
        elif ":" in line and line.index(":") < 70:
            name, result = line.strip().split(":", 1)
        else:
            name, result = line.strip(), ""
        if not target:
            target = next((t for pattern, t in TARGETS if pattern.search(name.strip())), "")
        target = target.replace("<=", "≤").replace(">=", "≥")
        rows.append((indent + name.strip().rstrip(":"), re.sub(r"\s{2,}", " ", result.strip()), target))
    return rows


def scripts(only: list[str] | None) -> list[Path]:
    found = {p.stem[len("bench_"):]: p for p in sorted(BENCH.glob("bench_*.py"))}
    names = [n for n in ORDER if n in found] + [n for n in sorted(found) if n not in ORDER]
    if only:
        names = [n for n in names if n in only]
    return [found[n] for n in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated names (foundation, engine, parsers, tui, ...)")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    only = args.only.split(",") if args.only else None
    compile_package()
    info = machine()
    load_before = load_average()
    sections: list[tuple[str, float, list[tuple[str, str, str]]]] = []
    for script in scripts(only):
        print(f"running {script.name} …", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT,
                                    timeout=TIMEOUT)
            rows = parse(script.name, result.stdout)
            if result.returncode != 0:
                last = (result.stderr.strip().splitlines() or ["(no error output)"])[-1]
                rows.append((f"{script.name} FAILED (exit {result.returncode})", last[:120], ""))
        except subprocess.TimeoutExpired:
            rows = [(f"{script.name} did not finish in {TIMEOUT} s", "", "")]
        sections.append((script.name, time.monotonic() - started, rows))
    lines = [f"**{k}:** {v}  " for k, v in info]
    lines.append(f"**load average** (1/5/15 min) before: {load_before}, after: {load_average()}  ")
    lines += ["", "| benchmark | result | target |", "|---|---|---|"]
    for name, seconds, rows in sections:
        lines.append(f"| ***{name}*** ({seconds:.0f} s) | | |")
        for bench, result, target in rows:
            bench = bench.replace("|", "\\|")
            if bench.startswith("  "):
                bench = "  ↳ " + bench.strip()
            lines.append(f"| {bench} | {result.replace('|', chr(92) + '|')} | {target.replace('|', chr(92) + '|')} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
