"""TUI benchmarks in a real terminal (tmux): first paint, memory, key latency while a local model generates.

    .venv/bin/python bench/bench_tui.py [--runs 3]

1. First paint of the Gradio Notebook example (target <= 0.6 s): time from starting ``tuinb FILE`` in a fresh
   tmux pane until the first cell's name is on screen (capture-pane polled every ~2 ms through one tmux
   control-mode client; ``--spawn-tmux``: a tmux process per poll, every 5 ms, as before). Also printed: what
   tuinb itself reports (``TUINB_STARTUP_TRACE``): wall and CPU time from its process start to the first
   frame. The CPU figure hardly moves when the machine is busy; the tmux figure includes starting the pane.
2. A generated 1,000-cell notebook: first paint (<= 1.5 s) and the tuinb process's RSS once painted (<= 250 MB).
3. Key-press latency while a tiny local GPT-2 generates (run all over 12 cells, p95 <= 50 ms), time from
   ``send-keys`` until the screen shows the key's effect, for three kinds of key: moving between cells
   (``j``/``k``: the new current cell is highlighted), opening and closing help (``?``/``q``: a screen is
   pushed and popped), and typing in a prompt editor (each letter appears).

Prints numbers; asserts nothing. Uses its own tmux server (-L) and temporary HOME / config / data dirs.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUINB = Path(sys.executable).with_name("tuinb")
EXAMPLE = next((p for p in (ROOT.parent / "shared" / "corpus" / "aiconfig" / "main__gradio-notebook__example.aiconfig.json",
                             Path("/work/shared/corpus/aiconfig/main__gradio-notebook__example.aiconfig.json"))
                if p.exists()), Path("main__gradio-notebook__example.aiconfig.json"))
SOCKET = f"tuinb-bench-{os.getpid()}"


def tmux(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args], capture_output=True, text=True)


class ControlClient:
    """One tmux control-mode client (``tmux -C``) for the key-latency runs: ``send-keys`` and ``capture-pane`` go
    through its pipe instead of starting a tmux process each time. Polling the screen every 2 ms by starting
    processes took most of a core on this 2-core machine, which was CPU the measured app then did not have,
    and each start added ~3 ms to every measured press."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(["tmux", "-L", SOCKET, "-f", "/dev/null", "-C", "attach-session", "-t", "bench"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._reply("attach-session")  # the attach command's own (empty) reply comes first
        self.command("refresh-client -f no-output")  # no %output stream: only our commands' replies

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw)
        self.lines.put(b"")

    def command(self, line: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        return self._reply(line)

    def _reply(self, line: str) -> str:
        body: list[bytes] = []
        inside = False
        while True:
            try:
                raw = self.lines.get(timeout=10)
            except queue.Empty:
                raise RuntimeError(f"tmux control client: no reply to {line!r} in 10 s") from None
            if not raw:
                raise RuntimeError(f"tmux control client ended during {line!r}")
            if not inside:
                inside = raw.startswith(b"%begin ")
                continue  # notifications between replies
            if raw.startswith((b"%end ", b"%error ")):
                return b"".join(body).decode("utf-8", "replace")
            body.append(raw)

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


_control: ControlClient | None = None


def screen(escapes: bool = False) -> str:
    if _control is not None:
        return _control.command("capture-pane -p " + ("-e " if escapes else "") + "-t bench")
    return tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "bench").stdout


def send_key(key: str) -> None:
    if _control is not None:
        _control.command(f"send-keys -t bench {key}")
    else:
        tmux("send-keys", "-t", "bench", key)


def start(cwd: Path, env: dict[str, str], *args: str, control: bool = False) -> float:
    """Start tuinb in a fresh 120x40 pane; returns when it was started. With ``control``, the pane first runs a
    placeholder, a control-mode client attaches (screen polls then start no process), and tuinb replaces the
    placeholder: the time counts from that replacement."""
    global _control
    stop_control()
    tmux("kill-session", "-t", "bench")
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = f"cd {cwd} && exec env -u COLUMNS -u LINES {exports} {TUINB} {' '.join(args)}"
    if not control:
        started = time.perf_counter()
        tmux("new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", command)
        return started
    tmux("new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", "sleep 600")
    _control = ControlClient()
    started = time.perf_counter()
    _control.command(f"respawn-pane -k -t bench {shlex.quote(command)}")
    return started


def stop_control() -> None:
    global _control
    if _control is not None:
        _control.close()
        _control = None


def wait_for(text: str, timeout: float = 30.0, gone: bool = False) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if (text in screen()) != gone:
            return time.perf_counter()
        time.sleep(0.002 if _control is not None else 0.005)
    raise RuntimeError(f"timed out waiting for {text!r}:\n{screen()}")


def pane_pid() -> str:
    """The tuinb process's pid (the pane's command execs it)."""
    return tmux("list-panes", "-t", "bench", "-F", "#{pane_pid}").stdout.strip()


def pane_cpu_s() -> float:
    """CPU time (user + system) the tuinb process has used so far."""
    pid = pane_pid()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pane_rss_mb() -> float:
    pid = pane_pid()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def quit_app() -> None:
    stop_control()
    tmux("send-keys", "-t", "bench", "C-q")
    time.sleep(0.3)
    tmux("kill-session", "-t", "bench")


def write_big(path: Path, n: int = 1000) -> None:
    from tui_notebook.document import dumps, new_config
    from tui_notebook.notebook import Notebook

    nb = Notebook(new_config("Big notebook", "1,000 generated cells"), path)
    nb.doc.metadata.parameters = {"topic": "foxes"}
    for i in range(n):
        nb.add_prompt(name=f"cell_{i}", model="Text Generation", input=f"Prompt {i} about {{{{topic}}}}\nline two")
    path.write_text(dumps(nb.doc, "json"))


def write_generating(path: Path, model_dir: str, cells: int = 12) -> None:
    from tui_notebook.document import dumps, new_config
    from tui_notebook.notebook import Notebook

    nb = Notebook(new_config("Generating"), path)
    for i in range(cells):
        nb.add_prompt(name=f"gen_{i}", model="Text Generation (Local)", input=f"Hello number {i}")
        nb.set_setting(i, "model", model_dir)
        nb.set_setting(i, "max_new_tokens", 100)
    path.write_text(dumps(nb.doc, "json"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def startup_trace(path: Path) -> dict[str, tuple[float, float]]:
    """{milestone: (wall s, CPU s) since tuinb's process start}, as tuinb wrote them (TUINB_STARTUP_TRACE)."""
    if not path.exists():
        return {}
    entries = (json.loads(line) for line in path.read_text().splitlines())
    return {e["milestone"]: (e["since_start_s"], e["cpu_s"]) for e in entries}


def style_signature(line: str) -> tuple[str, ...]:
    """The colour codes of a cell's left border and of its name: they differ between the current cell and the
    others (tmux writes a code only where the style changes, so only codes right before a character count)."""
    border = re.search(r"(\x1b\[[0-9;]*m)+▌", line)
    name = re.search(r"((?:\x1b\[[0-9;]*m)+)gen_", line)
    return (border.group(0) if border else "", name.group(1) if name else "")


def name_line(name: str) -> str:
    for line in screen(escapes=True).splitlines():
        if re.search(rf"{re.escape(name)}\x1b", line):  # the name, then a style change (gen_1 is not gen_10)
            return line
    return ""


def timed_press(key: str, done, timeout: float = 5.0) -> float:  # noqa: ANN001 - a predicate
    sent = time.perf_counter()
    send_key(key)
    deadline = sent + timeout
    while time.perf_counter() < deadline:
        if done():
            return time.perf_counter() - sent
        time.sleep(0.002)
    raise RuntimeError(f"key {key!r}: the screen never showed its effect:\n{screen()}")


def key_latencies(presses: int, generating: bool = True) -> dict[str, list[float]]:
    """Latencies of the three kinds of key, while ``running`` stays on screen (generation goes on); with
    ``generating=False``, of the first two on an idle notebook (for comparison)."""
    current = style_signature(name_line("gen_0"))
    other = style_signature(name_line("gen_1"))
    if current == other:
        raise RuntimeError("cannot tell the current cell from the others on screen")
    result: dict[str, list[float]] = {"move between cells (j/k)": [], "open/close help (?/q)": [],
                                      "type in an editor": []}
    at = 0
    def stop() -> bool:
        return generating and "running" not in screen()

    for i in range(presses):
        if stop():
            break
        key, at = ("j", at + 1) if i % 2 == 0 else ("k", at - 1)
        target = f"gen_{at}"
        result["move between cells (j/k)"].append(
            timed_press(key, lambda: style_signature(name_line(target)) == current))
        time.sleep(0.03)
    for _ in range(max(1, presses // 4)):
        if stop():
            break
        result["open/close help (?/q)"].append(timed_press("?", lambda: "tuinb keys" in screen()))
        result["open/close help (?/q)"].append(timed_press("q", lambda: "tuinb keys" not in screen()))
        time.sleep(0.03)
    if generating and "running" in screen():
        send_key("Enter")  # edit gen_0 (already run) while later cells generate
        wait_for("esc Command mode")
        typed = "Hello number 0"
        for letter in "zqxwvzqxwvzqxwvzqxwv"[:presses]:
            if stop():
                break
            typed += letter
            expected = typed
            result["type in an editor"].append(timed_press(letter, lambda: expected in screen()))
            time.sleep(0.03)
        send_key("Escape")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--only", choices=["paint", "big", "latency"], action="append",
                        help="run only these parts (repeatable); default: all three")
    parser.add_argument("--spawn-tmux", action="store_true",
                        help="key latency: start a tmux process per send-keys / capture-pane (the old harness) "
                             "instead of one control-mode client")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed")
        return 2
    work = Path(tempfile.mkdtemp(prefix="tuinb-bench-"))
    env = {"HOME": str(work), "TUINB_CONFIG_DIR": str(work / "config"), "TUINB_DATA_DIR": str(work / "data"),
           "TUINB_CACHE_DIR": str(work / "cache"), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    try:
        shutil.copy(EXAMPLE, work / "example.aiconfig.json")
        parts = set(args.only or ["paint", "big", "latency"])
        paints, inside = [], []
        for run in range(args.runs if "paint" in parts else 0):
            trace = work / f"trace-{run}.jsonl"
            started = start(work, {**env, "TUINB_STARTUP_TRACE": str(trace)}, "example.aiconfig.json",
                            control=not args.spawn_tmux)
            paints.append(wait_for("image_caption") - started)
            time.sleep(0.3)
            quit_app()
            reported = startup_trace(trace)
            if "app starts" in reported and "first cells mounted" in reported:
                inside.append((reported["app starts"], reported["first cells mounted"]))
        if paints:
            print(f"first paint, Gradio example:   median {statistics.median(paints):.3f} s  "
                  f"(runs: {', '.join(f'{p:.3f}' for p in paints)})   target <= 0.6 s")
        if inside:
            print(f"inside tuinb (its start-up trace), median: the app starts at "
                  f"{statistics.median(a[0] for a, _ in inside):.2f} s ({statistics.median(a[1] for a, _ in inside):.2f} "
                  f"s CPU), the first cells are mounted at {statistics.median(m[0] for _, m in inside):.2f} s "
                  f"({statistics.median(m[1] for _, m in inside):.2f} s CPU)")

        if "big" in parts:
            write_big(work / "big.aiconfig.json")
            paints, rss = [], []
            for _ in range(args.runs):
                started = start(work, env, "big.aiconfig.json", control=not args.spawn_tmux)
                paints.append(wait_for("cell_0") - started)
                time.sleep(0.5)
                rss.append(pane_rss_mb())
                quit_app()
            print(f"first paint, 1,000 cells:      median {statistics.median(paints):.3f} s  "
                  f"(runs: {', '.join(f'{p:.3f}' for p in paints)})   target <= 1.5 s")
            print(f"RSS, 1,000 cells (painted):    median {statistics.median(rss):.0f} MB   target <= 250 MB")

        if "latency" in parts:
            from tui_notebook.demo import models as recipes

            model_dir = recipes.build_text_generation(work / "tiny-gpt2")
            write_generating(work / "gen.aiconfig.json", str(model_dir))
            start(work, env, "gen.aiconfig.json", control=not args.spawn_tmux)
            wait_for("gen_0")
            if _control is not None:
                rows = _control.command("display-message -p -t bench '#{pane_width}x#{pane_height}'").strip()
                if rows != "120x40":
                    raise RuntimeError(f"the control client changed the pane's size to {rows}")
            # The app settles as it would while one reads: help prepared, long-lived objects frozen, and the local
            # model process started and done importing torch (at low priority; ~5 s of CPU on this machine).
            time.sleep(8)
            idle = key_latencies(args.presses, generating=False)
            for kind, values in idle.items():
                if values:
                    print(f"key latency, nothing running, {kind}:  p50 {percentile(values, 0.5) * 1000:.0f} ms, "
                          f"p95 {percentile(values, 0.95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms "
                          f"({len(values)} presses)")
            cpu_before, wall_before = pane_cpu_s(), time.perf_counter()
            send_key("A")
            wait_for("running", timeout=60)
            wait_for("gen_0", timeout=60)
            time.sleep(0.5)  # past the start of the first run (the local model process starts, the model loads)
            latencies = key_latencies(args.presses)
            rss_gen = pane_rss_mb()
            wait_for("running", timeout=120, gone=True)
            ui_cpu, gen_wall = pane_cpu_s() - cpu_before, time.perf_counter() - wall_before
            quit_app()
            everything = [v for values in latencies.values() for v in values]
            for kind, values in latencies.items():
                if values:
                    print(f"key latency while generating, {kind}:  p50 {percentile(values, 0.5) * 1000:.0f} ms, "
                          f"p95 {percentile(values, 0.95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms "
                          f"({len(values)} presses)")
            if everything:
                print(f"key latency while generating, all keys:  p50 {percentile(everything, 0.5) * 1000:.0f} ms  "
                      f"p95 {percentile(everything, 0.95) * 1000:.0f} ms  ({len(everything)} presses, "
                      f"{'a tmux process per poll' if args.spawn_tmux else 'tmux control-mode client'})   target p95 <= 50 ms")
                print(f"RSS of the tuinb process while generating: {rss_gen:.0f} MB")
                print(f"CPU of the tuinb process (not the model process) from run all to the last cell done: "
                      f"{ui_cpu:.2f} s in {gen_wall:.1f} s, key presses included")
            else:
                print("key latency while generating: generation ended before the first key press")
    finally:
        stop_control()
        tmux("kill-server")
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
