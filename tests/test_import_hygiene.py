"""Starting tuinb (any command, the UI included) must not import the heavy ML stack: those imports cost
seconds and belong inside the code that runs a cell."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "transformers", "diffusers", "sounddevice", "huggingface_hub.inference._client", "pybars")

PROBE = """
import sys, json
{body}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _loaded(body: str) -> list[str]:
    code = PROBE.format(body=body, heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - our own JSON list


def test_cli_and_registry_import_nothing_heavy():
    assert _loaded("import tui_notebook.cli, tui_notebook.engine, tui_notebook.notebook\n"
                   "from tui_notebook.registry import default_registry; default_registry()") == []


def test_loading_resolving_and_saving_import_nothing_heavy(tmp_path):
    path = tmp_path / "n.aiconfig.json"
    path.write_text('{"name": "n", "metadata": {"parameters": {"a": "x"}}, "prompts": ['
                    '{"name": "p", "input": "hi {{a}}", "metadata": {"model": "Text Generation (Local)"}}]}')
    body = (f"from tui_notebook import Notebook\nnb = Notebook.load({str(path)!r})\n"
            "assert nb.resolve('p').text == 'hi x'\nnb.save()")
    assert _loaded(body) == []


def test_the_ui_modules_import_nothing_heavy():
    body = ("import importlib, pkgutil, tui_notebook.ui as ui\n"
            "for m in pkgutil.walk_packages(ui.__path__, 'tui_notebook.ui.'):\n"
            "    importlib.import_module(m.name)")
    assert _loaded(body) == []


def test_first_frame_waits_for_nothing_it_does_not_draw():
    """Opening the Gradio example (images, audio, long answers) up to its first frame: no image library, no
    numpy, no text editor, no Markdown parser, not even the run engine. They load when an image or an editor is
    first needed, at the first run, or right after the notebook shows (Markdown)."""
    code = """
import asyncio, sys, json
from tui_notebook.notebook import Notebook
from tui_notebook.ui import app as ui_app, notebook_view
from tui_notebook.ui.media import graphics
graphics.setup("halfcell")
seen = {}
async def main():
    app = ui_app.TuinbApp(Notebook.open(sys.argv[1]), graphics="halfcell", defer_markdown=True)
    from tui_notebook.ui.cell import Cell
    display = app._display
    def first_frame(screen, update):  # the first frame written with cells in it: what had loaded
        if not seen and any(cell.region for cell in app.query(Cell)):
            seen.update({m: m in sys.modules for m in ("textual_image", "numpy", "PIL.Image",
                                                         "textual.widgets._text_area", "markdown_it",
                                                         "tui_notebook.engine")})
        return display(screen, update)
    app._display = first_frame
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
asyncio.run(main())
print(json.dumps(seen))
"""
    from corpus_locator import corpus_dir

    example = corpus_dir() / "main__gradio-notebook__example.aiconfig.json"
    result = subprocess.run([sys.executable, "-c", code, str(example)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    import json

    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen, "the first frame was never reported"
    assert not any(seen.values()), seen
