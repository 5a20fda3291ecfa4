"""TUI benchmarks in a real terminal (tmux): first paint, memory, key latency while a local model generates.

    .venv/bin/python bench/bench_tui.py [--runs 3]

1. First paint of the Gradio Notebook example (target <= 0.6 s): time from starting ``tuinb FILE`` in a fresh
   tmux pane until the first cell's name is on screen (capture-pane polled every ~5 ms).
2. A generated 1,000-cell notebook: first paint (<= 1.5 s) and the tuinb process's RSS once painted (<= 250 MB).
3. Key-press latency while a tiny local GPT-2 generates (run all over 12 cells, p95 <= 50 ms): press ``?``
   (help opens) and ``q`` (help closes) and time until the screen shows the change.

Prints numbers; asserts nothing. Uses its own tmux server (-L) and temporary HOME / config / data dirs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def screen(escapes: bool = False) -> str:
    return tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "bench").stdout


def start(cwd: Path, env: dict[str, str], *args: str) -> float:
    tmux("kill-session", "-t", "bench")
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    started = time.perf_counter()
    tmux("new-session", "-d", "-s", "bench", "-x", "120", "-y", "40",
         f"cd {cwd} && exec env -u COLUMNS -u LINES {exports} {TUINB} {' '.join(args)}")
    return started


def wait_for(text: str, timeout: float = 30.0, gone: bool = False) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if (text in screen()) != gone:
            return time.perf_counter()
        time.sleep(0.005)
    raise RuntimeError(f"timed out waiting for {text!r}:\n{screen()}")


def pane_rss_mb() -> float:
    pid = tmux("list-panes", "-t", "bench", "-F", "#{pane_pid}").stdout.strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def quit_app() -> None:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--presses", type=int, default=30)
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
        paints = []
        for _ in range(args.runs):
            started = start(work, env, "example.aiconfig.json")
            paints.append(wait_for("image_caption") - started)
            quit_app()
        print(f"first paint, Gradio example:   median {statistics.median(paints):.3f} s  "
              f"(runs: {', '.join(f'{p:.3f}' for p in paints)})   target <= 0.6 s")

        write_big(work / "big.aiconfig.json")
        paints, rss = [], []
        for _ in range(args.runs):
            started = start(work, env, "big.aiconfig.json")
            paints.append(wait_for("cell_0") - started)
            time.sleep(0.5)
            rss.append(pane_rss_mb())
            quit_app()
        print(f"first paint, 1,000 cells:      median {statistics.median(paints):.3f} s  "
              f"(runs: {', '.join(f'{p:.3f}' for p in paints)})   target <= 1.5 s")
        print(f"RSS, 1,000 cells (painted):    median {statistics.median(rss):.0f} MB   target <= 250 MB")

        from tui_notebook.demo import models as recipes

        model_dir = recipes.build_text_generation(work / "tiny-gpt2")
        write_generating(work / "gen.aiconfig.json", str(model_dir))
        start(work, env, "gen.aiconfig.json")
        wait_for("gen_0")
        time.sleep(0.3)
        tmux("send-keys", "-t", "bench", "A")
        wait_for("running", timeout=60)
        latencies = []
        for _ in range(args.presses):
            if "running" not in screen():
                break
            sent = time.perf_counter()
            tmux("send-keys", "-t", "bench", "?")
            latencies.append(wait_for("tuinb keys") - sent)
            sent = time.perf_counter()
            tmux("send-keys", "-t", "bench", "q")
            latencies.append(wait_for("tuinb keys", gone=True) - sent)
        rss_gen = pane_rss_mb()
        quit_app()
        if latencies:
            print(f"key latency while generating:  p50 {percentile(latencies, 0.5) * 1000:.0f} ms  "
                  f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms  max {max(latencies) * 1000:.0f} ms  "
                  f"({len(latencies)} key presses, incl. ~5 ms capture-pane polling)   target p95 <= 50 ms")
            print(f"RSS while generating (torch loaded): {rss_gen:.0f} MB")
        else:
            print("key latency while generating: generation ended before the first key press")
    finally:
        tmux("kill-server")
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
