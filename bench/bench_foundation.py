"""Foundation benchmarks: resolve a 300-prompt chain (vs the reference SDK), load+save the 2 MB Gradio example,
`tuinb --version`, and how open/resolve/save grow with the number of cells. Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_foundation.py [--sdk-python .sdk-venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GRADIO_EXAMPLE = SHARED / "corpus" / "aiconfig" / "main__gradio-notebook__example.aiconfig.json"


def chain_notebook(n: int) -> dict:
    prompts = []
    for i in range(n):
        ref = f" after {{{{p{i - 1}.output}}}}" if i else ""
        prompts.append({
            "name": f"p{i}",
            "input": f"Step {i} about {{{{topic}}}} in {{{{city}}}}{ref}",
            "metadata": {"model": "gpt-4", "parameters": {"city": f"city {i}"}},
            "outputs": [{"output_type": "execute_result", "execution_count": 0,
                         "data": f"Output {i} with <tags> & 'quotes'", "metadata": {}}],
        })
    return {"name": "chain", "schema_version": "latest", "metadata": {"parameters": {"topic": "foxes"}},
            "prompts": prompts}


def wall(cmd: list[str], runs: int, cwd: str | None = None) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{cmd} failed: {result.stderr[-500:]}")
    return times


SDK_RESOLVE = """
import sys, json, asyncio
from aiconfig import AIConfigRuntime
from aiconfig.util.params import resolve_prompt
config = AIConfigRuntime.load(sys.argv[1])
out = {p.name: resolve_prompt(p, {}, config) for p in config.prompts}
print(json.dumps(out))
"""


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sdk-python", default=os.environ.get("TUINB_SDK_PYTHON", str(ROOT / ".sdk-venv/bin/python")))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tuinb = [sys.executable, "-m", "tui_notebook"]
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        chain = Path(tmp) / "chain300.aiconfig.json"
        chain.write_text(json.dumps(chain_notebook(300)))
        ours = wall([*tuinb, "resolve", str(chain), "--json"], args.runs)
        ours_out = json.loads(subprocess.run([*tuinb, "resolve", str(chain), "--json"], capture_output=True,
                                             text=True).stdout)
        rows.append(("resolve 300-prompt chain (`tuinb resolve --json`, wall)", fmt(statistics.median(ours)),
                     "≤ 450 ms"))
        if Path(args.sdk_python).exists():
            script = Path(tmp) / "sdk_resolve.py"
            script.write_text(SDK_RESOLVE)
            sdk = wall([args.sdk_python, str(script), str(chain)], max(1, args.runs // 2), cwd=tmp)
            sdk_out = json.loads(subprocess.run([args.sdk_python, str(script), str(chain)], capture_output=True,
                                                text=True, cwd=tmp).stdout)
            same = "identical" if sdk_out == ours_out else "DIFFERENT"
            rows.append(("  same chain, reference SDK (import included, wall)", fmt(statistics.median(sdk)),
                         f"{statistics.median(sdk) / statistics.median(ours):.1f}× slower; output {same}"))
        else:
            rows.append(("  reference SDK", "n/a", f"no SDK python at {args.sdk_python} (make sdk-venv)"))

        sys.path.insert(0, str(ROOT))
        from tui_notebook import Notebook

        if GRADIO_EXAMPLE.exists():
            target = Path(tmp) / "gradio.aiconfig.json"
            target.write_bytes(GRADIO_EXAMPLE.read_bytes())
            times = []
            for _ in range(20):
                start = time.perf_counter()
                nb = Notebook.load(target)
                nb.save(force=True)
                times.append(time.perf_counter() - start)
            size = target.stat().st_size / 1e6
            rows.append((f"load + save (fsync) of the {size:.1f} MB Gradio example", fmt(statistics.median(times)),
                         "≤ 30 ms"))
        version = wall([str(Path(sys.executable).with_name("tuinb")), "--version"], 10)
        rows.append(("`tuinb --version` (wall)", fmt(statistics.median(version)), "≤ 300 ms"))

        for n in (10, 100, 1000, 5000):
            path = Path(tmp) / f"n{n}.aiconfig.json"
            path.write_text(json.dumps(chain_notebook(n)))
            start = time.perf_counter()
            nb = Notebook.load(path)
            t_open = time.perf_counter() - start
            from tui_notebook.resolve import resolve_all

            start = time.perf_counter()
            resolve_all(nb.doc, None, nb.registry)  # what `tuinb resolve FILE` does: one pass, linear
            t_resolve = time.perf_counter() - start
            start = time.perf_counter()
            nb.save(force=True)
            t_save = time.perf_counter() - start
            rows.append((f"{n:>5} cells: open / resolve all / save", f"{fmt(t_open)} / {fmt(t_resolve)} / "
                         f"{fmt(t_save)}", ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'result':<24}  target / note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<24}  {note}")


if __name__ == "__main__":
    main()
