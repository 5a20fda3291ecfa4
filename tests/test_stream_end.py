"""A text-generation stream that ends cleanly before its final event is a failed run, not a truncated answer
saved as a success: the engine reports what was received, the cell keeps its previous outputs, and
`tuinb run --save` exits 1 and leaves the file's outputs as they were. (Parser-level wording:
test_parsers_remote.py / test_parsers_openai_and_api.py, the ``end_early`` tests.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tui_notebook import Notebook
from tui_notebook.document import load_path
from tui_notebook.parser_api import text_output

CELLS = {
    "Text Generation": lambda url: {"model": f"{url}/models/text-generation"},
    "OpenAI-compatible chat": lambda url: {"base_url": f"{url}/v1"},
}


def test_engine_reports_the_cut_stream_and_keeps_the_previous_outputs(hf_server):
    for model, settings in CELLS.items():
        nb = Notebook.new(None)
        nb.add_prompt(name="story", model=model, input="Tell me a story")
        for key, value in settings(hf_server.url).items():
            nb.set_setting(0, key, value)
        nb.replace_outputs(nb.doc.prompts[0], [text_output("yesterday's story")])
        hf_server.fail("end_early")
        outcome = nb.engine.run("story")
        assert outcome.status == "failed", (model, outcome)
        assert "after 2" in outcome.message and ("final event" in outcome.message or "[DONE]" in outcome.message)
        assert [o.data for o in nb.doc.prompts[0].outputs] == ["yesterday's story"], model


def test_tuinb_run_save_exits_1_and_keeps_the_file_outputs(hf_server, tmp_path):
    path = tmp_path / "story.aiconfig.json"
    path.write_text(json.dumps({"name": "story", "metadata": {}, "prompts": [{
        "name": "story", "input": "Tell me a story",
        "metadata": {"model": {"name": "Text Generation", "settings": CELLS["Text Generation"](hf_server.url)}},
        "outputs": [{"output_type": "execute_result", "execution_count": 0, "data": "yesterday's story",
                     "metadata": {}}]}]}))
    hf_server.fail("end_early")
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "HF_TOKEN_PATH": "/nonexistent/tuinb-test-token"}
    env.pop("HF_TOKEN", None)
    result = subprocess.run([sys.executable, "-m", "tui_notebook", "run", str(path), "story", "--save"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "the stream ended after 2 tokens without its final event" in result.stderr
    [output] = load_path(path).doc.prompts[0].outputs
    assert output.data == "yesterday's story"
