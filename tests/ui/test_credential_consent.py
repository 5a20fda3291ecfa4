"""The credential question in the app: a run that would send a credential somewhere not approved does not start;
a dialog names the variable and the host; allow once / always re-runs it, escape sends nothing. The cell header
shows where a remote cell sends its request. A URL attachment on a local address asks the same way."""

from __future__ import annotations

import json

from fixtures.hf_server import tiny_png
from fixtures.ui_app import notifications, open_notebook, wait_for
from tui_notebook.secrets import ApprovalStore
from tui_notebook.ui.app import TuinbApp
from tui_notebook.ui.consent_dialog import ConsentScreen

KEY = "sk-stolenByTheNotebook12345"


def _chat_app(tmp_path, server, key_env: str = "AWS_SECRET_ACCESS_KEY") -> TuinbApp:
    path = tmp_path / "n.aiconfig.json"
    path.write_text(json.dumps({"name": "n", "metadata": {}, "prompts": [
        {"name": "ask", "input": "Hello?",
         "metadata": {"model": {"name": "OpenAI-compatible chat",
                                "settings": {"base_url": f"{server.url}/v1", "api_key_env": key_env}}}}]}))
    return TuinbApp(open_notebook(path), graphics="unicode")


def _message(app) -> str:  # noqa: ANN001
    return str(app.screen.message)


async def test_approve_once_reruns_with_the_key_and_asks_again_next_time(tmp_path, hf_server, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEY)
    app = _chat_app(tmp_path, hf_server)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), message="the credential question")
        assert "$AWS_SECRET_ACCESS_KEY" in _message(app) and hf_server.host in _message(app)
        assert "not an API key variable tuinb knows" in _message(app)  # a stranger's notebook asking for it
        assert hf_server.requests == []  # nothing left before the answer
        await pilot.press("o")
        prompt = app.notebook.doc.prompts[0]
        await wait_for(pilot, lambda: app.runs.state(prompt).status == "finished", timeout=20, message="the run")
        assert [r.headers.get("authorization") for r in hf_server.requests] == [f"Bearer {KEY}"]
        await pilot.press("r")  # once means once
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), message="asked again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConsentScreen))
        assert len(hf_server.requests) == 1
    assert ApprovalStore().list() == []


async def test_escape_sends_nothing(tmp_path, hf_server, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEY)
    app = _chat_app(tmp_path, hf_server)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), message="the credential question")
        await pilot.press("enter")  # the focused button is the refusal: a stray enter sends nothing
        await wait_for(pilot, lambda: not isinstance(app.screen, ConsentScreen))
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), message="asked again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: any("Nothing was sent" in n for n in notifications(app)))
        await pilot.pause(0.2)
        assert hf_server.requests == []  # not even a request without the key
        assert not app.notebook.doc.prompts[0].outputs


async def test_always_is_remembered_and_the_next_run_does_not_ask(tmp_path, hf_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    app = _chat_app(tmp_path, hf_server, key_env="OPENAI_API_KEY")
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), message="the credential question")
        assert "not an API key variable" not in _message(app)  # the user's own key variable: no warning
        await pilot.press("a")
        prompt = app.notebook.doc.prompts[0]
        await wait_for(pilot, lambda: app.runs.state(prompt).status == "finished", timeout=20, message="the run")
        assert [a.pair for a in ApprovalStore().list()] == [hf_server.pair("OPENAI_API_KEY")]
        await pilot.press("r")
        await wait_for(pilot, lambda: len(hf_server.requests) == 2, timeout=20, message="second run")
        assert not isinstance(app.screen, ConsentScreen)
        assert all(r.headers.get("authorization") == f"Bearer {KEY}" for r in hf_server.requests)


async def test_the_header_shows_where_a_remote_cell_sends_its_request(tmp_path, hf_server):
    path = tmp_path / "n.aiconfig.json"
    path.write_text(json.dumps({"name": "n", "metadata": {}, "prompts": [
        {"name": "ask", "input": "Hi", "metadata": {"model": {"name": "OpenAI-compatible chat", "settings": {
            "base_url": "http://huggingface.co@evil.example:8080/v1\x1b]0;x\x07", "model": "m"}}}},
        {"name": "sum", "input": "Hi", "metadata": {"model": {"name": "Summarization", "settings": {
            "model": "https://xn--hggingface-j7a.co/models/x"}}}},
        {"name": "gen", "input": "Hi", "metadata": {"model": "Text Generation"}},
        {"name": "local", "input": "Hi", "metadata": {"model": "test-echo"}},
    ]}))
    app = TuinbApp(open_notebook(path), graphics="unicode")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        headers = [str(cell.header_text()) for cell in app.view.query("Cell")]
    assert "→ evil.example:8080 (http)" in headers[0] and "huggingface.co" not in headers[0]  # the real host
    assert "\x1b" not in headers[0]
    assert "→ xn--hggingface-j7a.co" in headers[1]
    assert "→ router.huggingface.co" in headers[2]
    assert "→" not in headers[3]


async def test_a_url_attachment_on_a_local_address_asks_first(tmp_path, hf_server):
    import http.server
    import socketserver
    import threading

    png = tiny_png(4, 3)
    fetched = []

    class Files(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            fetched.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *a):  # noqa: ANN002
            pass

    with socketserver.TCPServer(("127.0.0.1", 0), Files) as files:
        threading.Thread(target=files.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{files.server_address[1]}/pic.png"
        path = tmp_path / "n.aiconfig.json"
        path.write_text(json.dumps({"name": "n", "metadata": {}, "prompts": [
            {"name": "see", "input": {"attachments": [{"data": {"kind": "file_uri", "value": url},
                                                       "mime_type": "image/png"}]},
             "metadata": {"model": {"name": "Image-to-Text",
                                    "settings": {"model": hf_server.model_url("image-to-text")}}}}]}))
        app = TuinbApp(open_notebook(path), graphics="unicode")
        try:
            async with app.run_test(size=(110, 30)) as pilot:
                await pilot.press("r")
                await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), message="the address question")
                assert f"127.0.0.1:{files.server_address[1]}" in _message(app)
                assert fetched == [] and hf_server.requests == []
                await pilot.press("y")
                prompt = app.notebook.doc.prompts[0]
                await wait_for(pilot, lambda: app.runs.state(prompt).status == "finished", timeout=20,
                               message="the run")
                assert fetched == ["/pic.png"] and prompt.outputs[0].data == "a 4x3 picture"
        finally:
            files.shutdown()


async def test_run_all_stops_at_the_question_and_goes_on_after_the_answer(tmp_path, hf_server, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEY)
    path = tmp_path / "n.aiconfig.json"
    path.write_text(json.dumps({"name": "n", "metadata": {}, "prompts": [
        {"name": "first", "input": "one", "metadata": {"model": "test-echo"}},
        {"name": "ask", "input": "Hello?",
         "metadata": {"model": {"name": "OpenAI-compatible chat", "settings": {
             "base_url": f"{hf_server.url}/v1", "api_key_env": "AWS_SECRET_ACCESS_KEY"}}}},
        {"name": "last", "input": "three", "metadata": {"model": "test-echo"}},
    ]}))
    app = TuinbApp(open_notebook(path), graphics="unicode")
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), message="the credential question")
        first, ask, last = app.notebook.doc.prompts
        assert first.outputs and not ask.outputs and not last.outputs  # stopped before the cell that asks
        await pilot.press("o")
        await wait_for(pilot, lambda: bool(last.outputs), timeout=20, message="the rest of run-all")
        assert ask.outputs and [r.headers.get("authorization") for r in hf_server.requests] == [f"Bearer {KEY}"]


async def test_a_wrapped_warning_keeps_its_hanging_indent_at_80_columns(tmp_path, hf_server, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEY)
    app = _chat_app(tmp_path, hf_server)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), message="the credential question")
        await pilot.pause()
        lines = [strip.text for strip in app.screen._compositor.render_strips()]  # noqa: SLF001 - what is drawn
        first = next(i for i, line in enumerate(lines) if "AWS_SECRET_ACCESS_KEY is not" in line)
        column = lines[first].index("AWS_SECRET_ACCESS_KEY is not")
        assert lines[first - 1].index("Send") == column  # the warning stands under the bullet's text
        wrapped = lines[first + 1]
        assert wrapped[:column].strip("█┃▌▐│ ") == "" and wrapped[column] != " ", lines[first - 1:first + 3]
        assert "steal" in " ".join(lines[first:first + 4])
        await pilot.press("n")
