"""tuinb space: the Space folder's files, and the notebook JSON loads in the reference SDK."""

from __future__ import annotations

import json
import os
import re
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
    build_space(Notebook.load(plain), out, force=True)
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


# -- a Space that runs: models it can fetch, what model_parsers.py needs, folders it may overwrite ------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_notebook", *args], capture_output=True, text=True, timeout=60)


def _models_notebook(folder: Path, models: dict[str, tuple[str, str | None]]) -> Path:
    """cell -> (parser name, settings.model or None)."""
    prompts = []
    for name, (parser, model) in models.items():
        settings = {"model": model} if model else {}
        prompts.append({"name": name, "input": "hi", "metadata": {"model": {"name": parser, "settings": settings}}})
    path = folder / "models.aiconfig.json"
    path.write_text(json.dumps({"name": "models", "metadata": {}, "prompts": prompts}))
    return path


def test_local_model_paths_are_refused_naming_each_cell_and_path(tmp_path):
    (tmp_path / "models" / "gpt2").mkdir(parents=True)
    path = _models_notebook(tmp_path, {
        "story": ("Text Generation (Local)", "/opt/models/tiny-gpt2"),
        "short": ("Summarization (Local)", "models/gpt2"),  # looks like a Hub id, but is a folder here
        "voice": ("Text-to-Speech (Local)", "~/tts"),
        "fine": ("Text Generation (Local)", "openai-community/gpt2"),
        "remote": ("Text Generation", "https://example.invalid/endpoint"),
    })
    out = tmp_path / "space"
    result = _cli("space", str(path), "-o", str(out))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    for cell, model in (("story", "/opt/models/tiny-gpt2"), ("short", "models/gpt2"), ("voice", "~/tts")):
        assert any(f"'{cell}'" in line and model in line for line in lines), result.stderr
    assert not any("'fine'" in line or "'remote'" in line for line in lines)
    assert "--keep-local-paths" in result.stderr
    assert not out.exists()  # nothing written


def test_keep_local_paths_exports_anyway_and_notes_downloads_only_for_hub_ids(tmp_path):
    path = _models_notebook(tmp_path, {
        "story": ("Text Generation (Local)", "/opt/models/tiny-gpt2"),
        "fine": ("Text Generation (Local)", "openai-community/gpt2"),
    })
    out = tmp_path / "space"
    result = _cli("space", str(path), "-o", str(out), "--keep-local-paths")
    assert result.returncode == 0, result.stderr
    download_notes = [line for line in result.stderr.splitlines() if "download" in line]
    assert download_notes and all("openai-community/gpt2" in line for line in download_notes)
    assert not any("/opt/models/tiny-gpt2" in line for line in download_notes)
    assert any("story" in line and "/opt/models/tiny-gpt2" in line for line in result.stderr.splitlines())
    assert "download into the Space's storage" in (out / "README.md").read_text()


def test_only_local_paths_no_download_note(tmp_path):
    path = _models_notebook(tmp_path, {"story": ("Text Generation (Local)", "/opt/models/tiny-gpt2")})
    out = tmp_path / "space"
    result = _cli("space", str(path), "-o", str(out), "--keep-local-paths")
    assert result.returncode == 0, result.stderr
    assert "download" not in result.stderr
    assert "Space's storage" not in (out / "README.md").read_text()


def test_requirements_cover_what_model_parsers_py_imports(tmp_path):
    import ast

    from tui_notebook.media.space import MODEL_PARSERS_REQUIREMENTS

    path = _models_notebook(tmp_path, {"a": ("Text Generation (Local)", "openai-community/gpt2"),
                                       "b": ("Text-to-Image (Local)", None)})
    out = tmp_path / "space"
    build_space(Notebook.load(path), out)
    tree = ast.parse((out / "model_parsers.py").read_text())
    imported = {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert imported == {"aiconfig", "aiconfig_extension_hugging_face"}
    lines = [line for line in (out / "requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    names = {re.split(r"[<>=]", line)[0] for line in lines}
    distribution = {"aiconfig": "python-aiconfig", "aiconfig_extension_hugging_face": "aiconfig-extension-hugging-face"}
    assert {distribution[m] for m in imported} <= names
    # the extension's package imports every local parser module; those import these (checked against its 0.0.13
    # wheel): the Space template's requirements.txt lists only gradio-notebook
    assert {"gradio-notebook", "torch", "transformers", "diffusers", "scipy", "sentencepiece", "pillow"} <= names
    assert lines == ["gradio-notebook", *MODEL_PARSERS_REQUIREMENTS]


def test_a_non_empty_folder_is_not_overwritten_without_force(tmp_path):
    path = media_notebook(tmp_path)
    out = tmp_path / "space"
    out.mkdir()
    (out / "app.py").write_text("my own app\n")
    result = _cli("space", str(path), "-o", str(out))
    assert result.returncode == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert (out / "app.py").read_text() == "my own app\n" and sorted(p.name for p in out.iterdir()) == ["app.py"]
    forced = _cli("space", str(path), "-o", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "GradioNotebook" in (out / "app.py").read_text()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _cli("space", str(path), "-o", str(empty)).returncode == 0  # an empty folder is fine
