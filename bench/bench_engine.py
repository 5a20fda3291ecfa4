"""Engine and file benchmarks: a cell run through the whole engine vs the same already-loaded tiny pipeline
called directly, model loads across cells on one model (must be 1), save of the 2 MB Gradio example with fsync,
and a 50 MB media notebook's open and save. Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_engine.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def row(name: str, result: str, target: str = "") -> None:
    print(f"{name}  {result}  {target}".rstrip(), flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def paired(direct, ours, runs: int) -> tuple[float, float]:  # noqa: ANN001
    """Median times of ``direct`` and ``ours``, alternated call by call so machine load hits both alike."""
    direct()
    ours()
    a, b = [], []
    for i in range(runs):
        pair = ((direct, a), (ours, b)) if i % 2 == 0 else ((ours, b), (direct, a))
        for fn, out in pair:
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def engine_overhead(runs: int, work: Path) -> None:
    import torch

    from tui_notebook import Notebook
    from tui_notebook.demo import models as recipes
    from tui_notebook.parsers.model_cache import CACHE

    torch.set_num_threads(1)  # steadier timings on a shared machine
    gpt2 = recipes.build_text_generation(work / "gpt2")
    settings = {"model": gpt2, "max_new_tokens": 16, "min_new_tokens": 16, "do_sample": False,
                "return_full_text": False}
    nb = Notebook.new(None)
    nb.options.stream = False
    for name in ("first", "second", "third"):
        nb.add_prompt(name=name, model="Text Generation (Local)", input=f"Hello from the {name} cell")
        for key, value in settings.items():
            nb.set_setting(nb.names().index(name), key, value)
    loads_before = sum(CACHE.stats.loads.values())
    for name in ("first", "second", "third", "first"):
        assert nb.run_sync(name)
    loads = sum(CACHE.stats.loads.values()) - loads_before
    key = next(k for k in CACHE.keys() if k[0] == "text-generation")
    pipe = next(e.value for k, e in CACHE._entries.items() if k == key)  # noqa: SLF001 - the very same object

    def direct():  # noqa: ANN202
        return pipe("Hello from the first cell", max_new_tokens=16, min_new_tokens=16, do_sample=False,
                    return_full_text=False)

    base, through = paired(direct, lambda: nb.engine.run("first"), runs)
    row("engine overhead: cell run (resolve, events, outputs) / direct pipeline call, tiny GPT-2, 16 tokens",
        f"{through / base:.2f}× ({ms(through)} vs {ms(base)})", "≤ 1.10×")
    nb.options.stream = True
    base, streamed = paired(direct, lambda: nb.engine.run("first"), runs)
    row("  the same, streaming token by token through events",
        f"{streamed / base:.2f}× ({ms(streamed)} vs {ms(base)})", "≤ 1.10×")
    row("model loads across 3 cells (4 runs) on the same model", f"{loads} load, {loads - 1} reloads", "0 reloads")


def save_2mb(runs: int, work: Path) -> None:
    from corpus_locator import corpus_dir

    from tui_notebook import Notebook

    target = work / "gradio.aiconfig.json"
    target.write_bytes((corpus_dir() / "main__gradio-notebook__example.aiconfig.json").read_bytes())
    nb = Notebook.load(target)
    nb.save(force=True)
    times = []
    for i in range(runs):
        nb.set_description(f"edit {i}")
        start = time.perf_counter()
        nb.save()
        times.append(time.perf_counter() - start)
    size = target.stat().st_size / 1e6
    row(f"save of the {size:.1f} MB Gradio example (serialise + temp file + fsync + rename + dir fsync)",
        f"{ms(statistics.median(times))} median, {ms(max(times))} max", "≤ 30 ms")


def fifty_mb(work: Path) -> None:
    from test_huge_inputs import fifty_megabytes

    from tui_notebook import Notebook

    path = fifty_megabytes(work)
    start = time.perf_counter()
    nb = Notebook.load(path)
    opened = time.perf_counter() - start
    nb.set_description("edited")
    start = time.perf_counter()
    nb.save()
    saved = time.perf_counter() - start
    row(f"{path.stat().st_size / 1e6:.0f} MB notebook ({len(nb.doc.prompts)} cells of images/audio): open / save",
        f"{ms(opened)} / {ms(saved)}", "(no target)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print("benchmark  result  target")
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        work = Path(tmp)
        save_2mb(args.runs, work)
        fifty_mb(work)
        engine_overhead(args.runs, work)


if __name__ == "__main__":
    main()
