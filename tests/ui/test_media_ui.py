"""Media in the app (issue 5): inline previews with forced renderers (snapshots with halfcell and unicode), the
media viewer (step, save as), the attachments dialog, the outside-folder confirmation, export from the app."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from fixtures.ui_app import notifications, wait_for
from media.media_kit import media_notebook, png_bytes, wav_bytes

from tui_notebook.notebook import Notebook
from tui_notebook.parser_api import ModelParser, RunRequest, text_output
from tui_notebook.ui.app import TuinbApp
from tui_notebook.ui.media.attachments_screen import AttachmentsScreen
from tui_notebook.ui.media.audio_widget import AudioPreview
from tui_notebook.ui.media.image_preview import ImagePreview
from tui_notebook.ui.media.image_viewer import MediaViewerScreen
from tui_notebook.ui.media.media_dialogs import ExportChoiceScreen, PathInputScreen


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _media_app(folder: Path, graphics: str | None) -> TuinbApp:
    path = media_notebook(folder, evil=False)
    nb = Notebook.open(Path(path.name) if Path.cwd() == folder else path)
    return TuinbApp(nb, graphics=graphics)


@pytest.mark.parametrize("renderer", ["halfcell", "unicode"])
def test_inline_previews_snapshot(snap_compare, in_tmp, renderer):
    assert snap_compare(_media_app(in_tmp, renderer), terminal_size=(90, 40), press=["j"])


@pytest.mark.parametrize("renderer,cls", [("halfcell", "HalfcellImage"), ("unicode", "UnicodeImage"),
                                          ("tgp", "TGPImage")])
async def test_forced_renderer_is_honoured(tmp_path, renderer, cls):
    app = _media_app(tmp_path, renderer)
    async with app.run_test(size=(90, 40)) as pilot:
        await pilot.pause()
        preview = app.query_one(ImagePreview)
        assert preview.renderer == renderer
        assert type(preview.query_one(".image")).__name__ == cls
        # fixed-size box computed from the PNG header before decoding: 16x8 px at 10x20 px cells, 10 rows
        assert (preview.cols, preview.rows) == (40, 10)
        audio = app.query_one(AudioPreview)
        assert audio.info is not None and "0.50 s · 8,000 Hz" in str(audio._title.render())


async def test_graphics_none_draws_no_image(tmp_path):
    app = _media_app(tmp_path, "none")
    async with app.run_test(size=(90, 40)) as pilot:
        await pilot.pause()
        preview = app.query_one(ImagePreview)
        assert not preview.query(".image") and "previews are off" in str(preview._status.render())


async def test_viewer_steps_through_a_cells_media_and_saves(tmp_path):
    path = tmp_path / "two.aiconfig.json"
    path.write_text(json.dumps({"name": "two", "metadata": {}, "prompts": [{
        "name": "gen", "input": "x", "metadata": {"model": "Text-to-Image"},
        "outputs": [
            {"output_type": "execute_result", "mime_type": "image/png", "metadata": {},
             "data": {"kind": "base64", "value": base64.b64encode(png_bytes()).decode()}},
            {"output_type": "execute_result", "mime_type": "audio/wav", "metadata": {},
             "data": {"kind": "base64", "value": base64.b64encode(wav_bytes()).decode()}}]}]}))
    app = TuinbApp(Notebook.open(path), graphics="unicode")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, MediaViewerScreen), message="viewer")
        viewer = app.screen
        assert viewer.ref.is_image and viewer.query(ImagePreview)
        await pilot.press("right")
        await pilot.pause()
        assert viewer.ref.is_audio and viewer.query(AudioPreview)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, PathInputScreen), message="save dialog")
        assert app.screen.query_one("#path").value == str(tmp_path / "gen-2.wav")
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "gen-2.wav").exists(), message="saved file")
        assert (tmp_path / "gen-2.wav").read_bytes() == wav_bytes()
        await pilot.press("left", "s")
        await wait_for(pilot, lambda: isinstance(app.screen, PathInputScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "gen-1.png").exists())
        assert (tmp_path / "gen-1.png").read_bytes() == png_bytes()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MediaViewerScreen)


async def test_attachments_add_replace_remove(tmp_path):
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "hello.wav").write_bytes(wav_bytes())
    path = tmp_path / "asr.aiconfig.json"
    path.write_text(json.dumps({"name": "asr", "metadata": {}, "prompts": [
        {"name": "asr", "input": {"attachments": []}, "metadata": {"model": "Automatic Speech Recognition"}}]}))
    nb = Notebook.open(path)
    app = TuinbApp(nb, graphics="unicode")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachmentsScreen), message="attachments")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PathInputScreen))
        await pilot.press(*"clips/hel")
        path_input = app.screen.query_one("#path")
        await wait_for(pilot, lambda: path_input._suggestion == "clips/hello.wav", message="the path completion")
        await pilot.press("right")  # accept the path completion
        assert app.screen.query_one("#path").value == "clips/hello.wav"
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(nb.doc.prompts[0].input.attachments), message="stored")
        att = nb.doc.prompts[0].input.attachments[0]
        assert (att.data.kind, att.data.value, att.mime_type) == ("file_uri", "clips/hello.wav", "audio/wav")
        assert nb.dirty
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PathInputScreen))
        await pilot.press(*"nope.wav", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachmentsScreen))
        assert "no such file" in str(app.screen.query_one("#problem").render())
        assert len(nb.doc.prompts[0].input.attachments) == 1
        await pilot.press("d")
        await pilot.pause()
        assert nb.doc.prompts[0].input.attachments == []
        await pilot.press("escape")


class RemoteASR(ModelParser):
    id = "remote-asr-test"
    input_kind = "attachments"
    parameterized = False
    runs = 0

    def run(self, request: RunRequest, ctx):  # noqa: ANN001, ANN201
        RemoteASR.runs += 1
        return [text_output("heard it")]


async def test_outside_file_asks_before_a_remote_run(tmp_path):
    from tui_notebook.ui.consent_dialog import ConsentScreen as ConfirmScreen

    (tmp_path / "nb").mkdir()
    (tmp_path / "outside.wav").write_bytes(wav_bytes())
    path = tmp_path / "nb" / "n.aiconfig.json"
    path.write_text(json.dumps({"name": "n", "metadata": {}, "prompts": [
        {"name": "asr", "input": {"attachments": [{"data": {"kind": "file_uri", "value": "../outside.wav"}}]},
         "metadata": {"model": "remote-asr-test"}}]}))
    nb = Notebook.open(path)
    nb.registry.register(RemoteASR())
    RemoteASR.runs = 0
    app = TuinbApp(nb, graphics="unicode")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), message="confirmation")
        assert "outside.wav" in str(app.screen.message)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), message="refused")
        assert RemoteASR.runs == 0 and not app.runs.is_active(nb.doc.prompts[0])
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.runs.state(nb.doc.prompts[0]).status == "finished", message="ran")
        assert RemoteASR.runs == 1
        await pilot.press("r")  # remembered for this session: no second question
        await wait_for(pilot, lambda: RemoteASR.runs == 2, message="second run")
        assert not isinstance(app.screen, ConfirmScreen)


async def test_export_from_the_app(tmp_path):
    app = _media_app(tmp_path, "unicode")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportChoiceScreen))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, PathInputScreen))
        assert app.screen.query_one("#path").value == str(tmp_path / "media.html")
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "media.html").exists(), message="export")
        await wait_for(pilot, lambda: any("Exported to" in n for n in notifications(app)))
        assert "data:image/png;base64," in (tmp_path / "media.html").read_text()


async def test_export_is_in_the_command_palette(tmp_path):
    from tui_notebook.ui.palette import NotebookCommands

    app = _media_app(tmp_path, "unicode")
    async with app.run_test(size=(100, 40)):
        provider = NotebookCommands(app.screen)
        titles = [title for title, _help, _spec in provider._commands()]
        assert "Export to HTML / Markdown" in titles and "View the cell's images / audio" in titles


async def test_attachments_preview_inline_and_urls_are_never_fetched_by_opening(tmp_path, monkeypatch):
    import tui_notebook.media.items as items

    fetched = []
    real_read = items.read_media

    def spy(ref, *args, **kwargs):
        fetched.append(ref.value)
        return real_read(ref, *args, **kwargs)

    monkeypatch.setattr(items, "read_media", spy)
    monkeypatch.setattr("tui_notebook.ui.media.image_preview.read_media", spy)
    png = base64.b64encode(png_bytes()).decode()
    doc = {"name": "att", "metadata": {}, "prompts": [{
        "name": "caption", "metadata": {"model": "Image-to-Text"},
        "input": {"attachments": [
            {"data": {"kind": "base64", "value": png}, "mime_type": "image/png"},
            {"data": {"kind": "file_uri", "value": "https://example.invalid/remote.png"}, "mime_type": "image/png"},
            {"data": {"kind": "file_uri", "value": "notes.txt"}, "mime_type": "text/plain"},
        ]}}]}
    path = tmp_path / "att.aiconfig.json"
    path.write_text(json.dumps(doc))
    app = TuinbApp(Notebook.open(path), graphics="unicode")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        [preview] = list(app.query(".attachment-image"))
        assert preview.loaded is not None  # inline data: drawn in the cell
        remote, other = [str(w.render()) for w in app.query(".attachment-line")]
        assert "https://example.invalid/remote.png" in remote and "press o to fetch" in remote
        assert "https://example.invalid/remote.png" not in fetched  # opening the notebook made no request
        assert "notes.txt" in other


def _captioner_notebook(folder: Path) -> Path:
    (folder / "clips").mkdir()
    (folder / "clips" / "tone.wav").write_bytes(wav_bytes())
    (folder / "photo.png").write_bytes(png_bytes())
    path = folder / "cap.aiconfig.json"
    path.write_text(json.dumps({"name": "cap", "metadata": {}, "prompts": [
        {"name": "caption", "input": {"attachments": []}, "metadata": {"model": "Image-to-Text"}}]}))
    return path


@pytest.mark.parametrize("answer", ["n", "y", "enter"])
async def test_attaching_audio_to_image_to_text_asks_before_storing(tmp_path, answer):
    """``enter`` presses the focused button: a stray one (after the path's own ``enter``) attaches nothing."""
    from tui_notebook.ui.dialogs import ConfirmScreen

    nb = Notebook.open(_captioner_notebook(tmp_path))
    app = TuinbApp(nb, graphics="unicode")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachmentsScreen), message="attachments")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PathInputScreen))
        await pilot.press(*"clips/tone.wav", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), message="the wrong-type question")
        question = str(app.screen.query_one("#message").render())
        assert "tone.wav is audio/wav" in question and "Image-to-Text" in question and "image" in question
        assert nb.doc.prompts[0].input.attachments == []  # nothing stored before the answer
        await pilot.press(answer)
        await wait_for(pilot, lambda: isinstance(app.screen, AttachmentsScreen), message="back to the list")
        stored = nb.doc.prompts[0].input.attachments
        if answer == "y":
            assert [a.data.value for a in stored] == ["clips/tone.wav"]
        else:
            assert stored == [] and "Not attached" in str(app.screen.query_one("#problem").render())
        # a file of the right type is stored without a question
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PathInputScreen))
        await pilot.press(*"photo.png", "enter")
        await wait_for(pilot, lambda: any(a.data.value == "photo.png" for a in nb.doc.prompts[0].input.attachments),
                       message="the image stored")
        assert isinstance(app.screen, AttachmentsScreen)


def test_the_api_warns_before_storing_an_attachment_of_the_wrong_type(tmp_path):
    import warnings

    from tui_notebook.media.attachments import AttachmentTypeWarning, make_attachment

    nb = Notebook.open(_captioner_notebook(tmp_path))
    audio = make_attachment("clips/tone.wav", nb.folder)
    image = make_attachment("photo.png", nb.folder)
    assert nb.attachment_problems(0, [audio, image]) == [
        "tone.wav is audio/wav, but Image-to-Text takes image files"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", AttachmentTypeWarning)  # a caller can make it an error: nothing stored
        with pytest.raises(AttachmentTypeWarning, match="tone.wav is audio/wav"):
            nb.set_attachments(0, [audio])
    assert nb.doc.prompts[0].input.attachments == []
    with pytest.warns(AttachmentTypeWarning):
        nb.set_attachments(0, [audio])
    assert len(nb.doc.prompts[0].input.attachments) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nb.set_attachments(0, [audio, image])  # only newly added attachments are checked
        nb.set_attachments(0, [image], warn=False)
