"""A cell's whole input as JSON (``J``; ``enter`` on an input that is not text)."""

from __future__ import annotations

import json

from textual.widgets import Static, TextArea

from tui_notebook.ui.input_json import InputJsonScreen, parse_input

CHAT = {"role": "user", "content": "I really enjoyed {{book}}"}


def test_parse_input_accepts_strings_and_valid_objects_only() -> None:
    assert parse_input('"just text"') == ("just text", None)
    assert parse_input('{"role": "user"}') == ({"role": "user"}, None)
    assert "not valid JSON" in parse_input("{,}")[1]
    assert "string" in parse_input("[1, 2]")[1]
    assert parse_input('{"attachments": [1]}')[1].startswith("input.attachments.0")


async def test_a_chat_message_input_is_shown_and_enter_edits_it_as_json(make_app) -> None:
    app = make_app((("chat", "x", "test-echo"),))
    app.notebook.set_input(0, dict(CHAT))
    app.notebook.saved_revision = app.notebook.revision
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        shown = str(app.view.cell_widgets()[0]._input.render())
        assert '"content": "I really enjoyed {{book}}"' in shown and "J edits it as JSON" in shown
        await pilot.press("enter")  # no text to edit: the JSON editor, not an empty prompt editor
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InputJsonScreen)
        area = screen.query_one("#json", TextArea)
        area.text = area.text.replace('"user"', '"assistant"')
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not isinstance(app.screen, InputJsonScreen)
        assert app.notebook.doc.prompts[0].input.model_dump(exclude_none=True) == {**CHAT, "role": "assistant"}
        assert app.notebook.dirty


async def test_invalid_json_stays_in_the_dialog_and_escape_changes_nothing(make_app) -> None:
    app = make_app((("p1", "hello {{x}}", "test-echo"),))
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        await pilot.press("J")
        await pilot.pause()
        screen = app.screen
        area = screen.query_one("#json", TextArea)
        assert area.text == '"hello {{x}}"'
        area.text = '{"attachments": [1]}'
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen is screen  # what was typed is still there to fix
        assert "input.attachments.0" in str(screen.query_one("#problem", Static).content)
        assert app.notebook.doc.prompts[0].input == "hello {{x}}"
        await pilot.press("escape")
        await pilot.pause()
        assert app.notebook.doc.prompts[0].input == "hello {{x}}" and not app.notebook.dirty
        await pilot.press("J")
        await pilot.pause()
        app.screen.query_one("#json", TextArea).text = '{"data": "hello {{x}}", "role": "user"}'
        await pilot.press("alt+enter")
        await pilot.pause()
        assert app.notebook.doc.prompts[0].input.model_dump(exclude_none=True) == {"data": "hello {{x}}",
                                                                                    "role": "user"}
        # data is text: enter edits it in the prompt editor again
        await pilot.press("enter")
        await pilot.pause()
        assert app.view.current_cell().editing


def test_outputs_as_json_shows_what_the_file_holds_with_long_data_shortened() -> None:
    from tui_notebook.document.models import ExecuteResult, OutputDataWithStringValue
    from tui_notebook.parser_api import text_output
    from tui_notebook.ui.outputs_json import LONG, SHOWN, outputs_as_json

    picture = "iVBORw0KGgo" + "A" * (LONG * 3)
    outputs = [text_output("short answer"),
               ExecuteResult(output_type="execute_result", execution_count=1, mime_type="image/png", metadata={},
                             data=OutputDataWithStringValue(kind="base64", value=picture))]
    shown = json.loads(outputs_as_json(outputs))
    assert shown[0]["data"] == "short answer" and shown[0]["output_type"] == "execute_result"
    assert shown[1]["mime_type"] == "image/png" and shown[1]["data"]["kind"] == "base64"
    assert shown[1]["data"]["value"] == f"{picture[:SHOWN]}… ({len(picture):,} characters)"


async def test_alt_j_shows_the_outputs_read_only(make_app) -> None:
    from tui_notebook.ui.outputs_json import OutputsJsonScreen

    from fixtures.ui_app import notifications

    app = make_app((("p1", "a", "test-echo"), ("p2", "b", "test-echo")), outputs={"p1": "the answer"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("alt+j")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OutputsJsonScreen)
        area = screen.query_one("#json", TextArea)
        assert area.read_only and '"data": "the answer"' in area.text
        await pilot.press("x")  # read-only: typing changes nothing
        assert '"data": "the answer"' in area.text and not app.notebook.dirty
        await pilot.press("escape", "j", "alt+j")
        await pilot.pause()
        assert not isinstance(app.screen, OutputsJsonScreen)
        assert "The cell has no outputs yet." in notifications(app)
