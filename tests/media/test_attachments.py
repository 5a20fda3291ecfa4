"""Attachments: made from a path or URL (relative file_uri, base64 on request), and the outside-folder rule
enforced by the engine for remote cells (`tuinb run` refuses without --allow-outside-files)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from media.media_kit import png_bytes, wav_bytes

from tui_notebook.media.attachments import AttachmentError, make_attachment, outside_files
from tui_notebook.notebook import Notebook
from tui_notebook.parser_api import ModelParser, RunRequest, text_output


def test_local_file_becomes_a_relative_file_uri_with_sniffed_mime(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "clip.bin").write_bytes(wav_bytes())  # the name lies; the content decides
    att = make_attachment("media/clip.bin", tmp_path)
    assert (att.data.kind, att.data.value, att.mime_type) == ("file_uri", "media/clip.bin", "audio/wav")
    absolute = make_attachment(str(tmp_path / "media" / "clip.bin"), tmp_path)
    assert absolute.data.value == "media/clip.bin"


def test_embed_and_url_and_errors(tmp_path):
    (tmp_path / "p.png").write_bytes(png_bytes())
    embedded = make_attachment("p.png", tmp_path, embed=True)
    assert embedded.data.kind == "base64" and base64.b64decode(embedded.data.value) == png_bytes()
    url = make_attachment("https://example.invalid/x/song.mp3", tmp_path)
    assert (url.data.kind, url.data.value, url.mime_type) == ("file_uri", "https://example.invalid/x/song.mp3",
                                                              "audio/mpeg")
    with pytest.raises(AttachmentError, match="no such file"):
        make_attachment("missing.wav", tmp_path)
    with pytest.raises(AttachmentError):
        make_attachment("https://example.invalid/a.png", tmp_path, embed=True)


def test_outside_files_sees_through_dotdot_and_symlinks(tmp_path):
    nb_dir = tmp_path / "nb"
    nb_dir.mkdir()
    (tmp_path / "secret.wav").write_bytes(b"x")
    (nb_dir / "in.wav").write_bytes(b"x")
    (nb_dir / "link.wav").symlink_to(tmp_path / "secret.wav")
    atts = [{"data": {"kind": "file_uri", "value": v}} for v in
            ("in.wav", "../secret.wav", "link.wav", "https://example.invalid/a.wav")]
    atts.append({"data": {"kind": "base64", "value": "AAAA"}})
    assert outside_files(atts, nb_dir) == [(tmp_path / "secret.wav").resolve()] * 2


class RemoteEcho(ModelParser):
    id = "remote-echo"
    input_kind = "attachments"
    parameterized = False
    local = False
    seen: list = []

    def run(self, request: RunRequest, ctx):  # noqa: ANN001, ANN201
        RemoteEcho.seen.append([a.data.value for a in request.attachments])
        return [text_output("sent")]


class LocalEcho(RemoteEcho):
    id = "local-echo"
    local = True


def _notebook(tmp_path: Path, model: str) -> Notebook:
    nb_dir = tmp_path / "nb"
    nb_dir.mkdir(parents=True, exist_ok=True)
    (tmp_path / "outside.wav").write_bytes(wav_bytes())
    path = nb_dir / "n.aiconfig.json"
    path.write_text(json.dumps({"name": "n", "metadata": {}, "prompts": [
        {"name": "asr", "input": {"attachments": [{"data": {"kind": "file_uri", "value": "../outside.wav"},
                                                   "mime_type": "audio/wav"}]},
         "metadata": {"model": model}}]}))
    nb = Notebook.load(path)
    nb.registry.register(RemoteEcho())
    nb.registry.register(LocalEcho())
    return nb


def test_remote_cell_refuses_outside_file_without_consent(tmp_path):
    RemoteEcho.seen = []
    nb = _notebook(tmp_path, "remote-echo")
    outcome = nb.engine.run("asr")
    assert not outcome.ok and "outside the notebook's folder" in outcome.message
    assert "--allow-outside-files" in outcome.message
    assert RemoteEcho.seen == []  # nothing reached the parser


def test_confirmation_callback_decides(tmp_path):
    RemoteEcho.seen = []
    nb = _notebook(tmp_path, "remote-echo")
    asked = []
    nb.options.confirm_outside_files = lambda cell, files: asked.append((cell, files)) or False
    assert not nb.engine.run("asr").ok
    assert asked == [("asr", [(tmp_path / "outside.wav").resolve()])]
    nb.options.confirm_outside_files = lambda cell, files: True
    assert nb.engine.run("asr").ok and RemoteEcho.seen == [["../outside.wav"]]


def test_flag_and_local_parsers_need_no_question(tmp_path):
    nb = _notebook(tmp_path, "remote-echo")
    nb.options.allow_outside_files = True
    assert nb.engine.run("asr").ok
    local = _notebook(tmp_path / "l", "local-echo")
    assert local.engine.run("asr").ok  # read in place, never uploaded


def test_cli_run_refuses_and_the_flag_allows(tmp_path):
    nb_dir = tmp_path / "nb"
    nb_dir.mkdir()
    (tmp_path / "outside.wav").write_bytes(wav_bytes())
    path = nb_dir / "n.aiconfig.json"
    # A real remote parser, pointed at a closed local port: the refusal must come before any connection.
    path.write_text(json.dumps({"name": "n", "metadata": {}, "prompts": [
        {"name": "asr", "input": {"attachments": [{"data": {"kind": "file_uri", "value": "../outside.wav"},
                                                   "mime_type": "audio/wav"}]},
         "metadata": {"model": {"name": "Automatic Speech Recognition",
                                "settings": {"model": "http://127.0.0.1:9/asr"}}}}]}))
    refused = subprocess.run([sys.executable, "-m", "tui_notebook", "run", str(path), "--all"],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert "outside the notebook's folder" in refused.stderr
    allowed = subprocess.run([sys.executable, "-m", "tui_notebook", "run", str(path), "--all",
                              "--allow-outside-files"], capture_output=True, text=True, timeout=120)
    assert "outside the notebook's folder" not in allowed.stderr  # it got past the check (then failed to connect)
