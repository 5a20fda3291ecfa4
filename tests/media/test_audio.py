"""Audio: info + waveform, and playback fallbacks with device / player availability monkeypatched.
Never needs audio hardware; never blocks."""

from __future__ import annotations

import builtins
import subprocess
import sys
import types

import pytest
from media.media_kit import wav_bytes

from tui_notebook.media import audio_playback as ap


def test_audio_info_and_sparkline():
    info = ap.audio_info(wav_bytes(0.5, 8000), buckets=16)
    assert (round(info.duration, 3), info.rate, info.channels) == (0.5, 8000, 1)
    assert info.describe() == "0.50 s · 8,000 Hz · mono"
    line = ap.sparkline(info.peaks)
    assert len(line) == 16 and set(line) <= set(ap.BARS)
    assert line[0] < line[-1]  # rising envelope: quiet start, loud end
    with pytest.raises(ValueError):
        ap.audio_info(b"not audio at all")


def _no_sounddevice(monkeypatch):
    real_import = builtins.__import__

    def fake(name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.setitem(sys.modules, "sounddevice", None)  # force a fresh import attempt through `fake`
    monkeypatch.delitem(sys.modules, "sounddevice")
    monkeypatch.setattr(builtins, "__import__", fake)


def _fake_sounddevice(monkeypatch, *, device: bool):
    calls = []

    class PortAudioError(Exception):
        pass

    def query_devices(kind=None):  # noqa: ANN001, ANN202
        if not device:
            raise PortAudioError("Error querying device -1")
        return [{"name": "speakers", "max_output_channels": 2}] if kind is None else {"name": "speakers"}

    sd = types.SimpleNamespace(PortAudioError=PortAudioError, query_devices=query_devices,
                               play=lambda data, rate: calls.append(("play", rate)),
                               stop=lambda: calls.append(("stop",)))
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    return calls


@pytest.fixture
def local_session(monkeypatch):
    for var in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "PULSE_SERVER"):
        monkeypatch.delenv(var, raising=False)


def test_plays_through_sounddevice_when_a_device_exists(monkeypatch, local_session):
    calls = _fake_sounddevice(monkeypatch, device=True)
    player = ap.Player()
    result = player.play(wav_bytes(), "clip")
    assert result.method == "sounddevice" and calls == [("play", 8000)]
    assert player.playing and player.stop() and calls[-1] == ("stop",)


def test_no_device_falls_back_to_a_player(monkeypatch, local_session):
    _fake_sounddevice(monkeypatch, device=False)
    started = []

    class FakePopen:
        def __init__(self, cmd, **kwargs):  # noqa: ANN001, ANN003
            started.append(cmd)
            self.terminated = False

        def poll(self):  # noqa: ANN202
            return 0 if self.terminated else None

        def terminate(self):  # noqa: ANN202
            self.terminated = True

        def wait(self, timeout=None):  # noqa: ANN001, ANN202
            return 0

    monkeypatch.setattr(ap.shutil, "which", lambda name: f"/usr/bin/{name}" if name == "paplay" else None)
    monkeypatch.setattr(ap.subprocess, "Popen", FakePopen)
    player = ap.Player()
    result = player.play(wav_bytes(), "clip")
    assert result.method == "player" and started[0][0] == "/usr/bin/paplay"
    assert started[0][-1].endswith(".wav") and result.path is not None and result.path.read_bytes() == wav_bytes()
    assert player.playing and player.stop() and not player.playing


def test_configured_player_wins_and_must_exist(monkeypatch, local_session):
    assert ap.find_player("mpv --no-video", which=lambda n: "/x/mpv" if n == "mpv" else None) == ["mpv", "--no-video"]
    assert ap.find_player("nosuch", which=lambda n: None) is None
    assert ap.find_player(None, which=lambda n: "/bin/" + n if n in ("aplay", "mpv") else None)[0] == "/bin/mpv"


def test_no_portaudio_and_no_player_saves_the_file(monkeypatch, local_session):
    _no_sounddevice(monkeypatch)
    monkeypatch.setattr(ap.shutil, "which", lambda name: None)
    result = ap.Player().play(wav_bytes(), "clip")
    assert result.method == "file" and "no output device and no player" in result.message
    assert result.path.read_bytes() == wav_bytes() and result.scp.startswith("scp ")
    names, why = ap.output_devices()
    assert names == [] and "PortAudio library not found" in why


def test_over_ssh_nothing_plays_on_the_server(monkeypatch):
    calls = _fake_sounddevice(monkeypatch, device=True)
    monkeypatch.setattr(ap.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.5 50000 10.0.0.9 22")
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    monkeypatch.setattr(ap.getpass, "getuser", lambda: "ann")
    result = ap.Player().play(wav_bytes(), "my clip")
    assert result.method == "file" and calls == []
    assert result.scp == f"scp ann@10.0.0.9:{result.path.resolve()} ."
    monkeypatch.setenv("PULSE_SERVER", "tcp:localhost:24713")  # forwarded audio: local playback is fine
    assert not ap.is_remote()


def test_sounddevice_import_is_only_in_the_play_path():
    code = ("import sys, tui_notebook.media.audio_playback as a; a.audio_info; "
            "print('sounddevice' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
