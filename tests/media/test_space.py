"""tuinb space: the Space folder's files, and the notebook JSON loads in the reference SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from media.media_kit import media_notebook

from tui_notebook.media.space import build_space
from tui_notebook.notebook import Notebook

REPO = Path(__file__).resolve().parents[2]
ORACLE = REPO / "tests" / "oracle" / "sdk_oracle.py"


def sdk_python() -> Path:
    for candidate in (os.environ.get("TUINB_SDK_PYTHON"), REPO / ".sdk-venv" / "bin" / "python",
                      "/tmp/sdkvenv/bin/python"):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    if os.environ.get("TUINB_SKIP_ORACLE") == "1":
        pytest.skip("TUINB_SKIP_ORACLE=1: reference SDK check skipped")
    pytest.fail("the reference SDK venv is missing: run `make sdk-venv` (or set TUINB_SDK_PYTHON)")


def _front_matter(readme: str) -> dict[str, str]:
    assert readme.startswith("---\n")
    block = readme.split("---\n")[1]
    return dict(line.split(": ", 1) for line in block.strip().splitlines())


def test_space_folder_for_a_remote_notebook(tmp_path):
    nb = Notebook.load(media_notebook(tmp_path))
    out = tmp_path / "space"
    result = build_space(nb, out)
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "app.py", "inputs", "my_app.aiconfig.json",
                                                     "requirements.txt"]
    app = (out / "app.py").read_text()
    assert 'GradioNotebook(config_path="my_app.aiconfig.json")' in app
    compile(app, "app.py", "exec")
    assert (out / "requirements.txt").read_text().split() == ["gradio-notebook"]
    meta = _front_matter((out / "README.md").read_text())
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == "4.16.0"
    assert json.loads(meta["title"]) == "Media <test>" and meta["emoji"]
    assert (out / "inputs" / "photo.png").read_bytes() == (tmp_path / "inputs" / "photo.png").read_bytes()
    assert result.local_parsers == {}
    saved = json.loads((out / "my_app.aiconfig.json").read_text())
    assert [p["name"] for p in saved["prompts"]] == ["story", "picture", "voice", "caption"]


def test_local_cells_get_model_parsers_py(tmp_path):
    path = tmp_path / "local.aiconfig.json"
    path.write_text(json.dumps({
        "name": "local", "metadata": {"model_parsers": {"my-captioner": "Image-to-Text (Local)"}},
        "prompts": [
            {"name": "a", "input": "hi", "metadata": {"model": "Text Generation (Local)"}},
            {"name": "b", "input": "hi", "metadata": {"model": "HuggingFaceText2ImageDiffusor"}},
            {"name": "c", "input": {"attachments": []}, "metadata": {"model": "my-captioner"}},
            {"name": "d", "input": "hi", "metadata": {"model": "Summarization"}},
        ]}))
    out = tmp_path / "space"
    result = build_space(Notebook.load(path), out)
    assert result.local_parsers == {
        "HuggingFaceText2ImageDiffusor": "HuggingFaceText2ImageDiffusor",
        "Image-to-Text (Local)": "HuggingFaceImage2TextTransformer",
        "Text Generation (Local)": "HuggingFaceTextGenerationTransformer",
    }
    code = (out / "model_parsers.py").read_text()
    compile(code, "model_parsers.py", "exec")
    assert 'register_model_parser(HuggingFaceTextGenerationTransformer(), "Text Generation (Local)")' in code
    assert "register_model_parser(HuggingFaceText2ImageDiffusor())" in code
    assert 'parsers_path="model_parsers.py"' in (out / "app.py").read_text()
    # re-exporting without local cells removes the stale file
    plain = tmp_path / "plain.aiconfig.json"
    plain.write_text(json.dumps({"name": "p", "metadata": {}, "prompts": [
        {"name": "a", "input": "x", "metadata": {"model": "Summarization"}}]}))
    build_space(Notebook.load(plain), out)
    assert not (out / "model_parsers.py").exists()


@pytest.mark.oracle
def test_the_space_notebook_loads_in_the_reference_sdk(tmp_path):
    python = sdk_python()
    for make in (lambda: media_notebook(tmp_path), lambda: _local_notebook(tmp_path)):
        out = tmp_path / f"space-{make.__hash__()}"
        build_space(Notebook.load(make()), out)
        result = subprocess.run([str(python), str(ORACLE), "check", str(out / "my_app.aiconfig.json")],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr


def _local_notebook(folder: Path) -> Path:
    path = folder / "local.aiconfig.json"
    path.write_text(json.dumps({"name": "local", "metadata": {}, "prompts": [
        {"name": "a", "input": "hi {{x}}", "metadata": {"model": "Text Generation (Local)", "parameters": {"x": "y"}}},
        {"name": "b", "input": "{{a.output}}", "metadata": {"model": "Summarization (Local)"}}]}))
    return path


def test_cli_space(tmp_path):
    path = media_notebook(tmp_path)
    result = subprocess.run([sys.executable, "-m", "tui_notebook", "space", str(path), "-o", str(tmp_path / "s")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "s" / "app.py").exists()
    missing = subprocess.run([sys.executable, "-m", "tui_notebook", "space", str(path)], capture_output=True,
                             text=True, timeout=60)
    assert missing.returncode == 2  # -o is required
