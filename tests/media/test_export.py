"""tuinb export: goldens for HTML and Markdown, escaping, media embedded (html) or written beside (md)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from media.media_kit import media_notebook, png_bytes, wav_bytes

from tui_notebook.media.export import clean, export_notebook
from tui_notebook.notebook import Notebook

GOLDENS = Path(__file__).resolve().parents[1] / "goldens" / "export"


def _golden(name: str, text: str) -> None:
    path = GOLDENS / name
    if os.environ.get("TUINB_UPDATE_GOLDENS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden {path}; run with TUINB_UPDATE_GOLDENS=1 once and review it"
    assert text == path.read_text()


def test_html_export_matches_golden_and_embeds_media(tmp_path):
    nb = Notebook.load(media_notebook(tmp_path))
    out = export_notebook(nb, "html", tmp_path / "copy.html")
    html = out.read_text()
    _golden("media.html", html)
    assert f"data:image/png;base64,{base64.b64encode(png_bytes()).decode()}" in html
    assert f"data:audio/wav;base64,{base64.b64encode(wav_bytes()).decode()}" in html
    assert "<audio controls" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "\x1b" not in html and "red" in html
    assert "A story about a cat." in html  # resolved with the cell's own parameter
    assert 'href="https://example.invalid/a.jpg"' in html  # URL attachments linked, not fetched


def test_markdown_export_writes_media_beside_and_fences_text(tmp_path):
    nb = Notebook.load(media_notebook(tmp_path))
    before = nb.path.read_bytes()
    out = export_notebook(nb, "md", tmp_path / "copy.md")
    md = out.read_text()
    _golden("media.md", md)
    files = tmp_path / "copy_files"
    assert (files / "picture-output-1.png").read_bytes() == png_bytes()
    assert (files / "voice-output-1.wav").read_bytes() == wav_bytes()
    assert "![picture output 1](copy_files/picture-output-1.png)" in md
    assert "\x1b" not in md
    # the text holds a ``` run: its fence must be longer, so nothing in the output can end the block early
    assert "````text\n<script>" in md
    assert nb.path.read_bytes() == before  # read-only: the notebook is untouched


def test_clean_strips_whole_escape_sequences():
    assert clean("a\x1b]52;c;ZXZpbA==\x07b\x1b[2Jc\rd\r\ne") == "abcd\ne"


def test_cli_export_default_path(tmp_path):
    path = media_notebook(tmp_path)
    result = subprocess.run([sys.executable, "-m", "tui_notebook", "export", str(path), "--format", "md"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == tmp_path / "media.md"
    assert (tmp_path / "media.md").exists()


def _chromium() -> str | None:
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_export_shows_the_image_in_headless_chromium(tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium (see .ci/run)")
    from PIL import Image

    nb = Notebook.load(media_notebook(tmp_path, evil=False))
    out = export_notebook(nb, "html", tmp_path / "copy.html")
    shot = tmp_path / "shot.png"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'prof'}",
           "--window-size=1000,2400", f"--screenshot={shot}", out.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120)
    assert shot.exists(), "chromium wrote no screenshot"
    image = Image.open(shot).convert("RGB")
    pixels = list(image.get_flattened_data())
    # The exported PNG is a red→ gradient with blue rows on a white page; a blank or text-only page has no
    # strongly red-and-blue pixels at all.
    coloured = sum(1 for r, g, b in pixels if g < 90 and (r > 150 or b > 150))
    assert coloured > 500, f"no image visible in the screenshot ({coloured} coloured pixels)"
