"""Small media for media tests: a PNG and a WAV made with the standard library, and a notebook using them."""

from __future__ import annotations

import base64
import io
import math
import struct
import wave
import zlib
from pathlib import Path

from tui_notebook.document import dumps
from tui_notebook.document.models import AIConfig


def png_bytes(width: int = 16, height: int = 8) -> bytes:
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (255 * x // (width - 1), 40, 255 * y // (height - 1)))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        n = int(seconds * rate)
        # rising envelope: the waveform preview must show a shape, not a flat line
        out.writeframes(b"".join(struct.pack("<h", int(30000 * (i / n) * math.sin(i / 3))) for i in range(n)))
    return buf.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def media_notebook(folder: Path, name: str = "media.aiconfig.json", *, evil: bool = True) -> Path:
    """A notebook with text, an image and an audio output, an attachment, parameters and a chain."""
    (folder / "inputs").mkdir(parents=True, exist_ok=True)
    (folder / "inputs" / "photo.png").write_bytes(png_bytes(8, 8))
    nasty = "<script>alert(1)</script> \x1b[31mred\x1b[0m & `tick` ```fence```" if evil else "plain"
    doc = {
        "name": "Media <test>",
        "metadata": {"parameters": {"animal": "fox", "html": "<b>bold</b>"},
                     "models": {}, "default_model": "Text Generation"},
        "description": "A notebook with media & markup.",
        "prompts": [
            {"name": "story", "input": "A story about a {{animal}}.", "metadata": {"model": "Text Generation",
             "parameters": {"animal": "cat"}},
             "outputs": [{"output_type": "execute_result", "execution_count": 0, "data": nasty, "metadata": {}}]},
            {"name": "picture", "input": "{{story.output}}", "metadata": {"model": "Text-to-Image"},
             "outputs": [{"output_type": "execute_result", "execution_count": 0, "mime_type": "image/png",
                          "data": {"kind": "base64", "value": b64(png_bytes())}, "metadata": {}}]},
            {"name": "voice", "input": "say {{animal}}", "metadata": {"model": "Text-to-Speech"},
             "outputs": [{"output_type": "execute_result", "execution_count": 0, "mime_type": "audio/wav",
                          "data": {"kind": "base64", "value": b64(wav_bytes())}, "metadata": {}}]},
            {"name": "caption", "input": {"attachments": [
                {"data": {"kind": "file_uri", "value": "inputs/photo.png"}, "mime_type": "image/png"},
                {"data": {"kind": "file_uri", "value": "https://example.invalid/a.jpg"}, "mime_type": "image/jpeg"}]},
             "metadata": {"model": "Image-to-Text"}, "outputs": []},
        ],
    }
    path = folder / name
    path.write_text(dumps(AIConfig.model_validate(doc), "json"))
    return path
