"""Both a normal and an editable install expose parsers/ and themes/ as tui_notebook.parsers /
tui_notebook.themes, and neither puts a generic top-level ``parsers`` or ``themes`` into site-packages."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# serial: pip builds tuinb inside the source tree (build/, *.egg-info); two builds at once would share those folders
pytestmark = pytest.mark.serial
CHECK = (
    "import importlib.util as u, json, sys;"
    "print(json.dumps({n: bool(u.find_spec(n)) for n in "
    "('tui_notebook.parsers', 'tui_notebook.themes', 'tui_notebook.parsers.huggingface', 'parsers', 'themes')}))"
)


def _venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    return venv / "bin" / "python"


def _pip(python: Path, *args: str) -> None:
    result = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                             *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("editable", [False, True], ids=["normal", "editable"])
def test_install_layout(tmp_path, editable):
    python = _venv(tmp_path)
    _pip(python, "setuptools==84.2.1")  # the lock's version; it builds wheels without `wheel`
    _pip(python, *(["-e", str(ROOT)] if editable else [str(ROOT)]))
    result = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ('{"tui_notebook.parsers": true, "tui_notebook.themes": true, '
                                     '"tui_notebook.parsers.huggingface": true, "parsers": false, "themes": false}')


def test_every_package_folder_is_listed_in_pyproject():
    """setuptools only ships the packages pyproject names; a forgotten subpackage would vanish on install."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for base, package in (("tui_notebook", "tui_notebook"), ("parsers", "tui_notebook.parsers"),
                          ("themes", "tui_notebook.themes")):
        for init in (ROOT / base).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / base)
            found.add(".".join([package, *rel.parts]) if rel.parts else package)
    assert found <= listed, f"add to pyproject [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.mark.slow
def test_wheel_contents(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                             "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    [wheel] = tmp_path.glob("tuinb-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "tui_notebook/parsers/__init__.py" in names and "tui_notebook/themes/__init__.py" in names
    assert not any(n.startswith(("parsers/", "themes/", "tests/")) for n in names)
