"""``tuinb demo``: tiny offline models, built once into the user cache dir, and a notebook that uses them all.

The models have random weights — text comes out as gibberish, images as coloured noise, audio as noise — but
every local task runs for real, offline and without a token, in seconds on a CPU: a newcomer sees text
streaming, an image and audio, with global/cell parameters and chaining, before pointing any cell at a real
model (``settings.model``) or the Inference API (switch the cell's model with ``m``).

Models live in ``<cache dir>/demo-models/v<N>/<name>``; a ``.complete`` marker is written last, so an
interrupted build is redone, never half-used. Bump :data:`RECIPE_VERSION` when a recipe changes.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import struct
import wave
import zlib
from pathlib import Path
from typing import Callable

RECIPE_VERSION = 1
DEMO_NAME = "tuinb-demo.aiconfig.json"

MODELS: dict[str, str] = {  # directory name -> builder in tui_notebook.demo.models
    "tiny-gpt2": "build_text_generation",
    "tiny-bart": "build_seq2seq",
    "tiny-wav2vec2": "build_asr_wav2vec2",
    "tiny-vits": "build_tts_vits",
    "tiny-blip": "build_image_to_text_blip",
    "tiny-sd": "build_text_to_image",
}


def models_dir() -> Path:
    from ..paths import cache_dir

    return cache_dir() / "demo-models" / f"v{RECIPE_VERSION}"


def build_models(report: Callable[[str], None] = lambda _m: None) -> dict[str, Path]:
    """Build whatever is missing; return {name: directory}. Fast when everything is already built."""
    root = models_dir()
    root.mkdir(parents=True, exist_ok=True)
    built: dict[str, Path] = {}
    pending = [name for name in MODELS if not (root / name / ".complete").exists()]
    if pending:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from . import models as recipes
    from ..document.atomic import atomic_write_text

    for name, builder in MODELS.items():
        target = root / name
        if name in pending:
            report(f"building {name} …")
            tmp = root / f".{name}.tmp-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            getattr(recipes, builder)(tmp)
            shutil.rmtree(target, ignore_errors=True)
            tmp.rename(target)  # a folder tuinb built itself, in its own cache dir
            atomic_write_text(target / ".complete", "ok\n")
        built[name] = target
    return built


def _png(width: int, height: int) -> bytes:
    """A small gradient PNG, written with zlib only (the demo notebook's image attachment)."""
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in
                                     (int(255 * x / (width - 1)), int(255 * y / (height - 1)), 160))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _wav(seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A one-second rising tone (the demo notebook's audio attachment)."""
    frames = bytearray()
    for i in range(int(seconds * rate)):
        t = i / rate
        frames += struct.pack("<h", int(12000 * math.sin(2 * math.pi * (220 + 220 * t) * t)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def demo_document(dirs: dict[str, Path]) -> dict:
    """The demo notebook as JSON data: every local task, global + cell parameters, chained cells."""
    def cell(name: str, model: str, settings: dict, text: str | None = None, params: dict | None = None,
             attachments: list | None = None) -> dict:
        data: object = text
        if attachments is not None:
            data = {"attachments": attachments}
        return {"name": name, "input": data,
                "metadata": {"model": {"name": model, "settings": settings}, "parameters": params or {}},
                "outputs": []}

    gpt2, bart = str(dirs["tiny-gpt2"]), str(dirs["tiny-bart"])
    return {
        "name": "tuinb demo (tiny random models)",
        "schema_version": "latest",
        "metadata": {
            "parameters": {"animal": "fox", "place": "a quiet forest"},
            # Global settings per task: a new cell that picks one of these tasks (m) runs the tiny model with a
            # generation length its 128 positions hold.
            "models": {
                "Text Generation (Local)": {"model": gpt2, "max_new_tokens": 24, "do_sample": False},
                "Summarization (Local)": {"model": bart, "max_new_tokens": 12},
                "Translation (Local)": {"model": bart, "max_new_tokens": 12},
                "Image-to-Text (Local)": {"model": str(dirs["tiny-blip"]), "max_new_tokens": 8},
            },
            "default_model": "Text Generation (Local)",
        },
        "description": ("Every local task on tiny models with RANDOM weights: the text is gibberish and the "
                        "pictures are noise — what you see is the notebook working, offline. Point a cell at a "
                        "real model by editing settings.model in the sidebar (s), or switch it to the Inference "
                        "API with m (needs HF_TOKEN)."),
        "prompts": [
            cell("story", "Text Generation (Local)", {"model": gpt2},
                 "Tell a {{mood}} story about a {{animal}} in {{place}}.", {"mood": "cheerful"}),
            cell("summary", "Summarization (Local)", {"model": bart, "max_new_tokens": 12},
                 "{{story.output}}"),
            cell("french", "Translation (Local)", {"model": bart, "max_new_tokens": 12, "src_lang": "en",
                                                   "tgt_lang": "fr"}, "{{summary.output}}"),
            cell("picture", "Text-to-Image (Local)", {"model": str(dirs["tiny-sd"]), "num_inference_steps": 2,
                                                      "seed": 1}, "A {{animal}} in {{place}}, {{style}}",
                 {"style": "watercolour"}),
            cell("caption", "Image-to-Text (Local)", {"model": str(dirs["tiny-blip"]), "max_new_tokens": 8},
                 attachments=[{"data": {"kind": "file_uri", "value": "demo-media/gradient.png"},
                               "mime_type": "image/png"}]),
            cell("speech", "Text-to-Speech (Local)", {"model": str(dirs["tiny-vits"])},
                 "hello {{animal}}, the summary was {{summary.output}}"),
            cell("transcript", "Automatic Speech Recognition (Local)", {"model": str(dirs["tiny-wav2vec2"])},
                 attachments=[{"data": {"kind": "file_uri", "value": "demo-media/tone.wav"},
                               "mime_type": "audio/wav"}]),
        ],
    }


def write_demo(out_dir: Path, dirs: dict[str, Path], *, reset: bool = True) -> Path:
    """Write the demo notebook (SDK format) and its attachments into ``out_dir``; returns the notebook path.

    With ``reset`` False an existing demo notebook is kept as the user left it (edits, outputs) and only missing
    attachment files are written; with ``reset`` True notebook and attachments are written afresh.
    """
    from ..document import atomic_write_bytes, atomic_write_text, dumps
    from ..document.models import AIConfig

    out_dir = Path(out_dir)
    media = out_dir / "demo-media"
    media.mkdir(parents=True, exist_ok=True)
    for name, make in (("gradient.png", lambda: _png(48, 32)), ("tone.wav", _wav)):
        if reset or not (media / name).exists():
            atomic_write_bytes(media / name, make())
    path = out_dir / DEMO_NAME
    if reset or not path.exists():
        atomic_write_text(path, dumps(AIConfig.model_validate(demo_document(dirs)), "json"))
    return path


def demo_exists(out_dir: Path) -> bool:
    return (Path(out_dir) / DEMO_NAME).exists()


def default_demo_dir() -> Path:
    from ..paths import data_dir

    return data_dir() / "demo"
