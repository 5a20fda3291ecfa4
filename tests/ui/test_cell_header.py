"""A cell's header is one line: a long model setting gives way, so the destination host and the run's status
stay on screen at 80 columns."""

from __future__ import annotations

import json

from rich.text import Text

from fixtures.ui_app import open_notebook, wait_for
from tui_notebook.ui.app import TuinbApp
from tui_notebook.ui.cell_header import fit_header

LONG = "/home/someone/projects/models/checkpoints/2024-11/a-rather-long-folder-name/tiny-gpt2"


def test_the_model_is_shortened_from_the_left_and_head_and_tail_are_kept():
    head, tail = Text("  1 story  Text Generation"), Text("   ● done 0.1s")
    fitted = fit_header(head, LONG, tail, 80)
    assert fitted.cell_len <= 80
    assert str(fitted).startswith(str(head)) and str(fitted).endswith(str(tail))
    assert "…" in str(fitted) and str(fitted).split(" · …")[1].split("   ●")[0] in LONG
    assert str(fitted).split("   ●")[0].endswith("tiny-gpt2")  # the end of the path is the telling part
    assert str(fit_header(head, "gpt2", tail, 80)) == f"{head} · gpt2{tail}"  # fits: unchanged
    assert str(fit_header(head, LONG, tail, 40)) == f"{head}{tail}"  # no room worth having: left out
    assert str(fit_header(head, LONG, tail, 0)) == f"{head} · {LONG}{tail}"  # width not known yet


def _notebook(tmp_path):
    path = tmp_path / "n.aiconfig.json"
    path.write_text(json.dumps({"name": "n", "metadata": {}, "prompts": [
        {"name": "local", "input": "Hi", "metadata": {"model": {"name": "test-echo", "settings": {"model": LONG}}}},
        {"name": "ask", "input": "Hi", "metadata": {"model": {"name": "OpenAI-compatible chat", "settings": {
            "base_url": "http://10.0.0.5:8000/v1", "model": "org/" + "x" * 90}}}},
    ]}))
    return path


async def test_at_80_columns_the_status_and_the_destination_stay_on_the_header_line(tmp_path):
    app = TuinbApp(open_notebook(_notebook(tmp_path)), graphics="unicode")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        local, ask = list(app.view.query("Cell"))

        def shown(cell) -> str:  # noqa: ANN001 - what the one-line header draws
            return str(cell._header.render())

        await wait_for(pilot, lambda: "→ 10.0.0.5:8000 (http)" in shown(ask), message="the destination drawn")
        assert len(shown(ask)) <= ask._header.size.width
        await pilot.press("r")
        await wait_for(pilot, lambda: "● done" in shown(local), message="the status drawn")
        assert len(shown(local)) <= local._header.size.width and shown(local).split("   ●")[0].endswith("tiny-gpt2")
        await pilot.resize_terminal(140, 30)
        await wait_for(pilot, lambda: LONG in shown(local), message="the whole path once there is room")
