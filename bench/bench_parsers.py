"""Parser overhead: a run through our parser vs calling the same already-loaded tiny pipeline directly, and the
time to the first streamed token (local and through the loopback Inference API).

    .venv/bin/python bench/bench_parsers.py [--runs 30]

Prints numbers only (target: parser/direct ratio <= 1.10). Builds its tiny models in a temporary directory.
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
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def _paired(direct, ours, runs: int) -> tuple[float, float]:
    """Median times of ``direct`` and ``ours``, alternated call by call so machine load hits both alike."""
    direct()
    ours()
    a, b = [], []
    for _ in range(runs):
        for fn, out in ((direct, a), (ours, b)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def _first_token(run) -> float:  # noqa: ANN001
    """Seconds from starting ``run(on_text)`` to its first streamed chunk."""
    first: list[float] = []
    start = time.perf_counter()
    run(lambda chunk, _all: first or first.append(time.perf_counter() - start))
    return first[0] if first else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    import torch
    from tui_notebook.demo import models as recipes
    from fixtures.parser_run import make_request

    from tui_notebook.parser_api import CancelToken, RunContext
    from tui_notebook.registry import default_registry

    torch.set_num_threads(1)  # steadier timings on a shared 2-core machine
    registry = default_registry()
    work = Path(tempfile.mkdtemp(prefix="bench-parsers-"))
    gpt2 = recipes.build_text_generation(work / "gpt2")
    bart = recipes.build_seq2seq(work / "bart")

    def ctx(on_text=None) -> RunContext:  # noqa: ANN001
        return RunContext(CancelToken(), on_text=on_text)

    print(f"{'case':44} {'direct':>10} {'parser':>10} {'ratio':>7}")

    # Text generation: our parser (non-streaming) vs pipe(...) on the pipeline it cached.
    gen_parser = registry.get("Text Generation (Local)")
    settings = {"model": gpt2, "max_new_tokens": 16, "min_new_tokens": 16, "do_sample": False,
                "return_full_text": False}
    request = make_request("Text Generation (Local)", settings=settings, stream=False)
    gen_parser.run(request, ctx())  # loads into the shared cache
    from tui_notebook.parsers.model_cache import CACHE

    pipe = next(CACHE._entries[k].value for k in CACHE.keys() if k[0] == "text-generation")
    def direct_generation():
        return pipe("Hello world", max_new_tokens=16, min_new_tokens=16, do_sample=False, return_full_text=False)

    direct, ours = _paired(direct_generation, lambda: gen_parser.run(request, ctx()), args.runs)
    print(f"{'text-generation, 16 tokens (no stream)':44} {direct * 1000:8.2f}ms {ours * 1000:8.2f}ms "
          f"{ours / direct:6.2f}x")
    streamed = make_request("Text Generation (Local)", settings=settings, stream=True)
    direct, ours_stream = _paired(direct_generation, lambda: gen_parser.run(streamed, ctx(lambda c, a: None)),
                                  args.runs)
    print(f"{'text-generation, 16 tokens (streaming)':44} {direct * 1000:8.2f}ms {ours_stream * 1000:8.2f}ms "
          f"{ours_stream / direct:6.2f}x")

    # Summarization: parser vs tokenizer + generate on the cached seq2seq model.
    sum_parser = registry.get("Summarization (Local)")
    text = "The quick brown fox jumps over the lazy dog."
    sum_request = make_request("Summarization (Local)", text=text, stream=False,
                               settings={"model": bart, "max_new_tokens": 16, "min_new_tokens": 16})
    sum_parser.run(sum_request, ctx())
    tokenizer, model = next(CACHE._entries[k].value for k in CACHE.keys() if k[0] == "seq2seq")

    def direct_summary() -> str:
        inputs = tokenizer(text, return_tensors="pt", truncation=True)
        inputs.pop("token_type_ids", None)
        with torch.inference_mode():
            ids = model.generate(**inputs, max_new_tokens=16, min_new_tokens=16)
        return tokenizer.batch_decode(ids, skip_special_tokens=True)[0]

    direct, ours = _paired(direct_summary, lambda: sum_parser.run(sum_request, ctx()), args.runs)
    print(f"{'summarization, 16 tokens (no stream)':44} {direct * 1000:8.2f}ms {ours * 1000:8.2f}ms "
          f"{ours / direct:6.2f}x")

    # Time to first streamed token.
    long_settings = {**settings, "max_new_tokens": 64, "min_new_tokens": 64}
    local_ttft = statistics.median(_first_token(lambda on_text: gen_parser.run(
        make_request("Text Generation (Local)", settings=long_settings), ctx(on_text))) for _ in range(5))
    print(f"\ntime to first token, local tiny GPT-2 (cached model): {local_ttft * 1000:.2f} ms")

    from fixtures.hf_server import FakeInferenceServer

    import huggingface_hub.constants

    huggingface_hub.constants.HF_HUB_OFFLINE = False
    server = FakeInferenceServer()
    remote = registry.get("Text Generation")
    remote_request = make_request("Text Generation", settings={"model": server.model_url("text-generation")})
    remote.run(remote_request, ctx(lambda c, a: None))  # imports the client
    remote_ttft = statistics.median(_first_token(lambda on_text: remote.run(remote_request, ctx(on_text)))
                                    for _ in range(10))
    print(f"time to first token, remote text generation over loopback HTTP: {remote_ttft * 1000:.2f} ms")
    chat = registry.get("OpenAI-compatible chat")
    chat_request = make_request("OpenAI-compatible chat", settings={"base_url": f"{server.url}/v1"})
    chat.run(chat_request, ctx(lambda c, a: None))
    chat_ttft = statistics.median(_first_token(lambda on_text: chat.run(chat_request, ctx(on_text)))
                                  for _ in range(10))
    print(f"time to first token, OpenAI-compatible chat over loopback HTTP: {chat_ttft * 1000:.2f} ms")
    server.close()


if __name__ == "__main__":
    main()
