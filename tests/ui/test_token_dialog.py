"""The session's Hugging Face token (``H``): set, used by remote runs, never saved; cleared again."""

from __future__ import annotations

import json

from textual.widgets import Input, Static

from tui_notebook.ui.consent_dialog import ConsentScreen
from tui_notebook.ui.token_dialog import TokenScreen, token_problem, token_status

from fixtures.ui_app import notifications, wait_for

TOKEN = "hf_sessionTokenABCDEF987"


def test_token_rules_follow_the_gradio_notebook() -> None:
    assert token_problem(TOKEN) is None
    assert token_problem(f"  {TOKEN}\n") is None  # pasted with a newline
    assert "start with hf_" in token_problem("sk-abcdef")
    assert "no spaces" in token_problem("hf_abc def")
    assert "Paste a token" in token_problem("   ")


def test_status_says_which_token_runs_use_without_showing_it(monkeypatch) -> None:
    import huggingface_hub.constants

    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGING_FACE_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", "/nonexistent/tuinb-token")
    assert token_status(None).startswith("No token")
    monkeypatch.setenv("HF_TOKEN", "hf_fromEnvironment123")
    assert token_status(None) == "Runs use $HF_TOKEN from the environment."
    status = token_status(TOKEN)
    assert "F987" in status and TOKEN not in status


async def test_H_sets_the_token_runs_send_it_and_it_is_never_saved(make_app, hf_server) -> None:
    app = make_app((("sum", "A long text to summarise.", "Summarization"),))
    app.notebook.set_setting(0, "model", hf_server.model_url("summarization"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("H")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TokenScreen) and screen.query_one("#token", Input).password
        await pilot.press(*"sk-nope", "enter")
        await pilot.pause()
        assert "start with hf_" in str(screen.query_one("#problem", Static).content)
        assert app.notebook.options.hf_token is None
        screen.query_one("#token", Input).value = TOKEN
        await pilot.press("enter")
        await pilot.pause()
        assert app.notebook.options.hf_token == TOKEN
        await pilot.press("r")  # a loopback server is not Hugging Face: the token goes there only if allowed
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), message="the credential question")
        assert hf_server.pair() in {i.subject for i in app.screen.items}
        await pilot.press("o")
        await wait_for(pilot, lambda: bool(app.notebook.doc.prompts[0].outputs), timeout=20, message="the run")
        assert hf_server.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = app.notebook.path.read_text()
        assert json.loads(saved)["prompts"][0]["outputs"] and TOKEN not in saved
        # and back: Clear stops using it
        await pilot.press("H")
        await pilot.pause()
        assert "F987" in str(app.screen.query_one("#status", Static).content)
        await pilot.click("#clear")
        await pilot.pause()
        assert app.notebook.options.hf_token is None
        assert any("Token cleared" in n for n in notifications(app))
