"""tuinb demo: builds the tiny models once into the cache dir, writes the notebook, and every cell runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest


@pytest.mark.slow
def test_demo_builds_once_and_every_cell_runs_headless(tmp_path):
    env = {**os.environ, "TUINB_CACHE_DIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    out = tmp_path / "demo"
    first = subprocess.run([sys.executable, "-m", "tui_notebook", "demo", "--no-open", "-o", str(out)],
                           capture_output=True, text=True, timeout=600, env=env)
    assert first.returncode == 0, first.stderr
    path = out / "tuinb-demo.aiconfig.json"
    assert first.stdout.strip() == str(path) and "building tiny-gpt2" in first.stderr
    doc = json.loads(path.read_text())
    models = {p["metadata"]["model"]["name"] for p in doc["prompts"]}
    assert models == {"Text Generation (Local)", "Summarization (Local)", "Translation (Local)",
                      "Text-to-Image (Local)", "Image-to-Text (Local)", "Text-to-Speech (Local)",
                      "Automatic Speech Recognition (Local)"}
    assert doc["metadata"]["parameters"] and any(p["metadata"]["parameters"] for p in doc["prompts"])
    assert any("{{story.output}}" in (p["input"] if isinstance(p["input"], str) else "") for p in doc["prompts"])
    for p in doc["prompts"]:
        assert str(tmp_path / "cache") in p["metadata"]["model"]["settings"]["model"]

    started = time.monotonic()
    again = subprocess.run([sys.executable, "-m", "tui_notebook", "demo", "--no-open", "-o", str(out)],
                           capture_output=True, text=True, timeout=120, env=env)
    assert again.returncode == 0 and "building" not in again.stderr  # built once
    assert time.monotonic() - started < 30

    run = subprocess.run([sys.executable, "-m", "tui_notebook", "run", str(path), "--all", "--save"],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr
    saved = json.loads(path.read_text())
    outputs = {p["name"]: p["outputs"] for p in saved["prompts"]}
    assert all(outputs[name] for name in outputs), outputs.keys()
    assert outputs["picture"][0]["mime_type"] == "image/png"
    assert outputs["speech"][0]["mime_type"] == "audio/wav"
    assert all(o["output_type"] == "execute_result" for outs in outputs.values() for o in outs)
