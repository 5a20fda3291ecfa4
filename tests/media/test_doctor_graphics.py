"""doctor output, and the renderer decision (detected once; a forced one is honoured)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tui_notebook.ui.media import graphics


def _doctor(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_notebook", "doctor", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_doctor_reports_every_section_and_never_a_token_value(tmp_path):
    secret = "hf_SuperSecretValue123456"
    trust = tmp_path / "data"
    trust.mkdir()
    (trust / "trusted_parsers.json").write_text(json.dumps({"/x/model_parsers.py": {"sha256": "ab" * 32}}))
    started = time.monotonic()
    result = _doctor(env={"HF_TOKEN": secret, "TUINB_DATA_DIR": str(trust)})
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    out = result.stdout
    for title in ("Graphics", "Audio", "Hugging Face", "torch", "Parsers", "Paths", "Trusted parser files"):
        assert f"\n{title}\n" in f"\n{out}", title
    assert "renderer: unicode" in out and "stdout is not a terminal" in out  # piped: no probe
    assert "cell size:" in out
    assert "HF token: set (HF_TOKEN)" in out and secret not in out and secret not in result.stderr
    assert "torch 2." in out and "devices: cpu" in out
    assert "players on PATH:" in out and "output devices:" in out
    assert "Text Generation (Local)" in out and "HuggingFaceTextGenerationTransformer (local)" in out
    assert "/x/model_parsers.py" in out and "(file no longer exists)" in out


def test_doctor_without_token_and_with_forced_graphics():
    env = {k: v for k, v in os.environ.items() if "TOKEN" not in k}
    result = subprocess.run([sys.executable, "-m", "tui_notebook", "doctor", "--graphics", "kitty"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert "HF token: not set" in result.stdout
    assert "renderer: tgp" in result.stdout and "forced" in result.stdout


def test_detect_and_force():
    assert graphics.detect("none").renderer == "none"
    assert graphics.detect("none").cell_size is None  # "none" never probes
    assert graphics.detect("auto").renderer == "unicode"  # tests are not a TTY
    for forced, expected in (("halfcell", "halfcell"), ("kitty", "tgp"), ("unicode", "unicode"),
                             ("sixel", "sixel")):
        info = graphics.detect(forced)
        assert info.renderer == expected and "forced" in info.reason
    assert graphics.normalize("bogus") == "auto"


def test_none_does_not_import_textual_image():
    code = ("import sys\nfrom tui_notebook.ui.media import graphics\ngraphics.setup('none')\n"
            "print(any(m.startswith('textual_image') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_renderer_for_prefers_the_forced_choice(monkeypatch):
    monkeypatch.setattr(graphics, "_state", graphics.GraphicsInfo("auto", "sixel", "test", (10, 20), "test"))
    assert graphics.renderer_for(None) == "sixel"
    assert graphics.renderer_for("auto") == "sixel"
    assert graphics.renderer_for("halfcell") == "halfcell"
    assert graphics.image_widget_class("halfcell").__name__ == "HalfcellImage"
    assert graphics.image_widget_class("none") is None
