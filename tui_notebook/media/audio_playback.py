"""Audio: what a clip is (duration, rate, a waveform summary) and how to play it from a terminal.

Playing, in order (spec tui-anchors §3):

1. sounddevice, when PortAudio loads and reports an output device — in-process, stoppable;
2. an external player (``audio_player`` in config.toml, else the first of :data:`PLAYERS` on PATH);
3. neither (typically SSH to a headless box): the WAV is saved and we say where, with an ``scp`` command the
   user can paste on their own machine.

Over SSH (without a forwarded ``PULSE_SERVER``) steps 1–2 are skipped: they would play on the server.
sounddevice is imported only here, inside :meth:`Player.play`, and every failure (no PortAudio: OSError on
import; no device: PortAudioError) falls through to the next step, so nothing crashes or blocks.
"""

from __future__ import annotations

import getpass
import io
import os
import shlex
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

PLAYERS: tuple[str, ...] = ("ffplay", "mpv", "pw-play", "paplay", "aplay", "afplay")
"""Probed in this order; the first found is used."""

PLAYER_ARGS: dict[str, list[str]] = {
    "ffplay": ["-nodisp", "-autoexit", "-loglevel", "quiet"],
    "mpv": ["--no-video", "--really-quiet"],
    "aplay": ["-q"],
}

BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class AudioInfo:
    duration: float  # seconds
    rate: int
    channels: int
    peaks: tuple[float, ...] = field(default=(), repr=False)  # 0..1, one per bucket

    def describe(self) -> str:
        ch = "mono" if self.channels == 1 else f"{self.channels} ch"
        return f"{self.duration:.2f} s · {self.rate:,} Hz · {ch}"


def audio_info(data: bytes, buckets: int = 48) -> AudioInfo:
    """Decode ``data`` (wav/flac/ogg/mp3) and summarise it. Raises ValueError if it is not audio."""
    import numpy as np

    channels = 1
    try:
        import soundfile

        info = soundfile.info(io.BytesIO(data))
        channels = int(info.channels)
    except Exception:  # noqa: BLE001 - soundfile missing or unknown format: decode_audio says why
        pass
    from ..parser_api import ParserError
    from ..parsers.media import decode_audio

    try:
        samples, rate = decode_audio(data)
    except ParserError as exc:
        raise ValueError(str(exc)) from None
    samples = np.abs(np.asarray(samples, dtype=np.float32))
    return AudioInfo(len(samples) / rate if rate else 0.0, int(rate), channels, waveform_peaks(samples, buckets))


def waveform_peaks(abs_samples: Any, buckets: int) -> tuple[float, ...]:
    """Peak level per bucket, scaled so the loudest bucket is 1 (quiet clips still show their shape)."""
    import numpy as np

    n = len(abs_samples)
    if n == 0 or buckets <= 0:
        return ()
    edges = np.linspace(0, n, min(buckets, n) + 1).astype(int)
    peaks = np.array([abs_samples[a:b].max() if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:])])
    top = float(peaks.max())
    if top <= 0:
        return tuple(0.0 for _ in peaks)
    return tuple(float(p) for p in peaks / top)


def sparkline(peaks: Sequence[float]) -> str:
    """Unicode block bars, one per peak (works in every terminal, over SSH, in snapshots)."""
    if not peaks:
        return ""
    top = len(BARS) - 1
    return "".join(BARS[max(0, min(top, int(round(p * top))))] for p in peaks)


# -- where we are ---------------------------------------------------------------------------------------------


def is_remote(environ: dict[str, str] | None = None) -> bool:
    """SSH without a forwarded PulseAudio server: local playback would use the server's speakers."""
    from .files import remote_session

    env = os.environ if environ is None else environ
    return remote_session(env) and not env.get("PULSE_SERVER")


def find_player(configured: str | None = None, which: Callable[[str], str | None] | None = None) -> list[str] | None:
    """The command line (without the file) of the external player to use, or None.

    ``configured`` is the config's ``audio_player``: a command (``"mpv --no-video"``) or a name.
    """
    which = which or shutil.which
    if configured:
        parts = shlex.split(configured)
        if parts and which(parts[0]):
            return parts
        return None
    for name in PLAYERS:
        path = which(name)
        if path:
            return [path, *PLAYER_ARGS.get(name, [])]
    return None


def output_devices() -> tuple[list[str], str]:
    """(names of PortAudio output devices, why there are none). Imports sounddevice: doctor / play only."""
    try:
        import sounddevice as sd
    except OSError as exc:  # the wheel does not bundle PortAudio (stack-notes §3)
        return [], f"PortAudio library not found ({exc})"
    except ImportError as exc:
        return [], f"sounddevice not installed ({exc})"
    try:
        devices = sd.query_devices()
    except Exception as exc:  # noqa: BLE001 - sd.PortAudioError and friends
        return [], f"PortAudio error: {exc}"
    names = [d["name"] for d in devices if d.get("max_output_channels", 0) > 0]
    return names, "" if names else "PortAudio sees no output device"


def scp_command(path: Path, environ: dict[str, str] | None = None) -> str:
    """What to paste on your own machine to fetch ``path`` from this one."""
    env = os.environ if environ is None else environ
    host = ""
    conn = env.get("SSH_CONNECTION", "").split()
    if len(conn) >= 3:
        host = conn[2]  # the server address the client connected to
    host = host or socket.gethostname()
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001
        user = ""
    target = f"{user}@{host}" if user else host
    return f"scp {shlex.quote(target + ':' + str(Path(path).resolve()))} ."


# -- playing --------------------------------------------------------------------------------------------------


@dataclass
class PlayResult:
    method: str  # "sounddevice" | "player" | "file"
    message: str
    path: Path | None = None
    scp: str = ""


class Player:
    """Plays one clip at a time. ``play`` returns immediately; ``stop`` ends whatever is playing."""

    def __init__(self, configured_player: str | None = None, *, environ: dict[str, str] | None = None) -> None:
        self.configured_player = configured_player
        self.environ = environ
        self._proc: subprocess.Popen | None = None
        self._sd: Any = None

    @property
    def playing(self) -> bool:
        if self._proc is not None and self._proc.poll() is None:
            return True
        return self._sd is not None

    def play(self, data: bytes, name: str = "clip", mime: str = "audio/wav") -> PlayResult:
        from .files import cached_copy

        self.stop()
        if not is_remote(self.environ):
            result = self._play_sounddevice(data)
            if result is not None:
                return result
            command = find_player(self.configured_player)
            if command is not None:
                path = cached_copy(data, name, mime)
                try:
                    self._proc = subprocess.Popen([*command, str(path)], stdin=subprocess.DEVNULL,
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                                  start_new_session=True)
                    return PlayResult("player", f"Playing with {Path(command[0]).name} (stop: same key)", path)
                except OSError as exc:
                    self._proc = None
                    reason = f"{Path(command[0]).name} failed to start: {exc}"
            else:
                reason = ("the configured audio_player was not found" if self.configured_player
                          else "no output device and no player (" + ", ".join(PLAYERS) + ")")
        else:
            reason = "remote session (SSH): audio would play on the server"
        path = cached_copy(data, name, mime)
        scp = scp_command(path, self.environ)
        return PlayResult("file", f"Cannot play here ({reason}). Saved to {path}", path, scp)

    def _play_sounddevice(self, data: bytes) -> PlayResult | None:
        try:
            import sounddevice as sd
        except (OSError, ImportError):  # no PortAudio library: not an error, just not this way
            return None
        try:
            sd.query_devices(kind="output")
            import soundfile

            samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
            sd.play(samples, rate)  # non-blocking
        except sd.PortAudioError:
            return None
        except Exception:  # noqa: BLE001 - undecodable audio, soundfile missing: try a player instead
            return None
        self._sd = sd
        return PlayResult("sounddevice", "Playing (stop: same key)")

    def stop(self) -> bool:
        """Stop playback; True if something was playing."""
        stopped = False
        if self._sd is not None:
            try:
                self._sd.stop()
            except Exception:  # noqa: BLE001
                pass
            self._sd = None
            stopped = True
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                stopped = True
            self._proc = None
        return stopped
