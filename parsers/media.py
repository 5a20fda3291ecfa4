"""Media in and out: PNG / WAV encoding, audio decoding + resampling, and media outputs (inline or as files).

Audio is decoded with soundfile (libsndfile: wav, flac, ogg, mp3) and resampled in numpy, so no ffmpeg or
torchaudio is ever needed. Outputs are base64 by default; with ``RunOptions.media_as_files`` they are written
to ``<notebook stem>.media/`` beside the notebook and referenced by a relative ``file_uri``, which keeps
notebooks small.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from pathlib import Path
from typing import Any

from tui_notebook.parser_api import ParserError, RunRequest, media_output

_EXTENSIONS = {"image/png": ".png", "audio/wav": ".wav", "image/jpeg": ".jpg", "audio/flac": ".flac",
               "audio/mpeg": ".mp3", "audio/ogg": ".ogg"}


def png_bytes(image: Any) -> bytes:
    """PNG bytes of a PIL image (or anything PIL can make an image of, e.g. a uint8 array)."""
    from PIL import Image

    if not isinstance(image, Image.Image):
        import numpy as np

        array = np.asarray(image)
        if array.dtype != np.uint8:
            array = (np.clip(array, 0.0, 1.0) * 255).round().astype(np.uint8)
        image = Image.fromarray(array)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def wav_bytes(audio: Any, sampling_rate: int) -> bytes:
    """16-bit PCM WAV of a float waveform shaped (n,), (1, n), (channels, n) or (n, channels)."""
    import wave

    import numpy as np

    samples = np.asarray(audio, dtype=np.float32)
    samples = np.squeeze(samples)
    if samples.ndim == 2 and samples.shape[0] < samples.shape[1]:
        samples = samples.T  # (channels, n) -> (n, channels)
    if samples.ndim > 2:
        raise ParserError(f"the model returned audio of unexpected shape {samples.shape}")
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(int(sampling_rate))
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def decode_audio(data: bytes, name: str = "audio") -> tuple[Any, int]:
    """(mono float32 samples, sampling rate) from wav / flac / ogg / mp3 bytes."""
    import numpy as np

    try:
        import soundfile
    except (ImportError, OSError):
        soundfile = None
    if soundfile is not None:
        try:
            samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
        except Exception as exc:  # noqa: BLE001 - libsndfile's message is the useful part
            raise ParserError(f"cannot decode audio {name}: {exc} (supported: wav, flac, ogg, mp3)") from None
        return samples.mean(axis=1).astype(np.float32), int(rate)
    return _decode_wav_stdlib(data, name)


def _decode_wav_stdlib(data: bytes, name: str) -> tuple[Any, int]:
    import wave

    import numpy as np

    try:
        with wave.open(io.BytesIO(data)) as wav:
            rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
            frames = wav.readframes(wav.getnframes())
    except Exception as exc:  # noqa: BLE001
        raise ParserError(f"cannot decode audio {name} ({exc}); install soundfile for flac/ogg/mp3") from None
    if width == 2:
        samples = np.frombuffer(frames, "<i2").astype(np.float32) / 32768.0
    elif width == 4:
        samples = np.frombuffer(frames, "<i4").astype(np.float32) / 2147483648.0
    elif width == 1:
        samples = (np.frombuffer(frames, np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise ParserError(f"cannot decode {width * 8}-bit WAV {name}; install soundfile")
    return samples.reshape(-1, channels).mean(axis=1), rate


def resample(samples: Any, from_rate: int, to_rate: int) -> Any:
    """Linear-interpolation resampling (plenty for speech models, and needs nothing but numpy)."""
    import numpy as np

    if from_rate == to_rate or len(samples) == 0:
        return samples
    duration = len(samples) / from_rate
    count = max(1, int(round(duration * to_rate)))
    old_times = np.arange(len(samples)) / from_rate
    new_times = np.arange(count) / to_rate
    return np.interp(new_times, old_times, samples).astype(np.float32)


def media_dir(request: RunRequest) -> tuple[Path, str]:
    """Where media files of this notebook go, and that folder relative to the notebook's directory."""
    stem = request.notebook_path.name if request.notebook_path else "untitled"
    for suffix in (".aiconfig.json", ".aiconfig.yaml", ".aiconfig.yml", ".json", ".yaml", ".yml"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    folder = f"{stem}.media"
    return Path(request.notebook_dir) / folder, folder


def media_result(request: RunRequest, data: bytes, mime_type: str, index: int = 0,
                 metadata: dict[str, Any] | None = None):  # noqa: ANN201 - ExecuteResult
    """An output holding ``data``: inline base64, or a file beside the notebook when media_as_files is on."""
    if not request.options.media_as_files:
        return media_output(base64.b64encode(data).decode("ascii"), mime_type, index, metadata=metadata)
    folder, relative = media_dir(request)
    folder.mkdir(parents=True, exist_ok=True)
    safe_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.prompt_name).strip("_") or "output"
    digest = hashlib.sha256(data).hexdigest()[:10]  # content-addressed: re-runs never clobber older outputs
    filename = f"{safe_name}-{index}-{digest}{_EXTENSIONS.get(mime_type, '.bin')}"
    path = folder / filename
    if not path.exists():
        from tui_notebook.document.atomic import write_file

        write_file(path, data)
    return media_output(f"{relative}/{filename}", mime_type, index, kind="file_uri", metadata=metadata)
