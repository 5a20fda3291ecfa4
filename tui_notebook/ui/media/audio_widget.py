"""An inline audio clip: kind, duration, sampling rate and a waveform drawn with block characters.

Works the same in every terminal and over SSH (it is text). Decoding happens in a thread worker. Playing is
not done here: the media viewer (``o`` on a cell) plays and stops, through :mod:`tui_notebook.media.audio_playback`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

from ...media.items import MediaRef, MediaUnavailable, read_media
from ...sanitize import terminal_safe
from .image_preview import INLINE_SYNC_CHARS, notebook_dir_of


class AudioPreview(Widget):
    DEFAULT_CSS = """
    AudioPreview { height: auto; width: 100%; padding: 0 1; }
    AudioPreview .audio-title { color: $text-muted; height: 1; }
    AudioPreview .audio-wave { color: $accent; height: 1; }
    """

    def __init__(self, ref: MediaRef, *, width: int = 48, caption: str = "", hint: str = "o: play / save",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ref = ref
        self.width = width
        self.caption_text = caption
        self.hint = hint
        self.info: Any = None
        self.data: bytes | None = None
        self.error: str | None = None
        self._title = Static(self._title_text(), classes="audio-title")
        self._wave = Static("·" * width, classes="audio-wave")  # placeholder keeps the height fixed

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._wave

    def _title_text(self) -> Text:
        label = self.caption_text or self.ref.label
        parts = [f"♪ {label} · {self.ref.mime}"]
        if self.info is not None:
            parts.append(self.info.describe())
        elif self.error:
            parts.append(self.error)
        if self.ref.kind == "file_uri":
            parts.append(self.ref.value)
        if self.hint:
            parts.append(self.hint)
        return Text(terminal_safe(" · ".join(parts)), no_wrap=True, overflow="ellipsis")

    def on_mount(self) -> None:
        if self.ref.kind == "base64" and len(self.ref.value) <= INLINE_SYNC_CHARS and "numpy" in sys.modules:
            # In memory and small: summarise now, in the cell's first frame (see ImagePreview.compose). Only
            # once numpy is loaded: importing it takes ~0.15 s, which the first paint must not wait for.
            from ...media.audio_playback import audio_info

            try:
                data = read_media(self.ref, Path.cwd())
                self._show(data, audio_info(data, self.width))
            except (MediaUnavailable, ValueError) as exc:
                self._failed(str(exc))
            return
        if self.ref.is_url:
            from .image_preview import NOT_FETCHED  # the same rule as images: no request without asking

            self._failed(NOT_FETCHED)
            return
        directory = notebook_dir_of(self)
        # After the frame this widget first appears in: a worker started now would import and decode (numpy,
        # textual-image, PIL: 0.3 s+) while that frame is laid out, and share the interpreter lock with it.
        self.call_after_refresh(self.run_worker, lambda: self._load(directory), thread=True, group="media-load")

    def _load(self, directory: Path) -> None:
        from ...media.audio_playback import audio_info

        try:
            data = read_media(self.ref, directory, timeout=10.0)
            info = audio_info(data, self.width)
        except (MediaUnavailable, ValueError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, data, info)

    def _failed(self, reason: str) -> None:
        self.error = reason
        self._title.update(self._title_text())
        self._wave.update(Text(terminal_safe(self.ref.value) if self.ref.is_url else "", style="italic"))

    def _show(self, data: bytes, info: Any) -> None:
        from ...media.audio_playback import sparkline

        self.data = data
        self.info = info
        self._title.update(self._title_text())
        self._wave.update(sparkline(info.peaks))
