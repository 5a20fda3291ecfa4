"""Full-screen viewer for a cell's images and audio (attachments first, then outputs).

Keys: ←/→ (h/l, p/n) step through the cell's media, s saves the current item ("save as"), o opens it with the
system viewer (local sessions only), space plays / stops audio, escape or q closes. Saving, opening and
playing go through :mod:`tui_notebook.media` — this screen only asks and reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Static

from ...media.items import MediaRef, MediaUnavailable, read_media
from ...sanitize import terminal_safe
from .audio_widget import AudioPreview
from .image_preview import ImagePreview
from ..key_hints import KeyHints


class MediaViewerScreen(Screen[None]):
    DEFAULT_CSS = """
    MediaViewerScreen { background: $background; }
    MediaViewerScreen #viewer-title { height: 1; background: $panel; padding: 0 1; }
    MediaViewerScreen #viewer-body { height: 1fr; align: center middle; }
    MediaViewerScreen #viewer-status { height: auto; max-height: 4; padding: 0 1; color: $text-muted; }
    MediaViewerScreen ImagePreview { width: auto; }
    """

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("right,l,n", "step(1)", "Next"),
        Binding("left,h,p", "step(-1)", "Previous"),
        Binding("s", "save", "Save as"),
        Binding("o", "open_external", "Open in viewer"),
        Binding("space", "play", "Play/stop"),
    ]

    def __init__(self, cell_name: str, refs: list[MediaRef], notebook_dir: Path, start: int = 0,
                 renderer: str | None = None) -> None:
        super().__init__()
        self.cell_name = cell_name
        self.refs = refs
        self.notebook_dir = Path(notebook_dir)
        self.index = max(0, min(start, len(refs) - 1))
        self.renderer = renderer
        self._title = Static(id="viewer-title")
        self._body = Container(id="viewer-body")
        self._status = Static(id="viewer-status")

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._body
        yield self._status
        yield KeyHints()

    async def on_mount(self) -> None:
        await self._show()

    @property
    def ref(self) -> MediaRef:
        return self.refs[self.index]

    async def _show(self) -> None:
        ref = self.ref
        self._title.update(Text(terminal_safe(f"{self.cell_name} · {ref.label} ({self.index + 1}/{len(self.refs)}) · {ref.mime}"),
                                no_wrap=True, overflow="ellipsis"))
        self._status.update("")
        await self._body.remove_children()
        if ref.is_image:
            rows = max(4, self.size.height - 5)
            cols = max(8, self.size.width - 4)
            widget: Any = ImagePreview(ref, rows=rows, max_cols=cols, renderer=self.renderer, caption=ref.label)
        else:
            widget = AudioPreview(ref, width=max(16, min(96, self.size.width - 6)), caption=ref.label,
                                  hint="space: play/stop · s: save")
        await self._body.mount(widget)

    def set_status(self, text: str) -> None:
        self._status.update(Text(terminal_safe(text)))

    async def action_step(self, delta: int) -> None:
        if len(self.refs) > 1:
            self._stop_audio()
            self.index = (self.index + delta) % len(self.refs)
            await self._show()

    def action_close(self) -> None:
        self._stop_audio()
        self.dismiss(None)

    # -- bytes, off the UI thread -------------------------------------------------------------------------------

    def _with_bytes(self, then: Any) -> None:
        ref = self.ref

        def work() -> None:
            try:
                data = read_media(ref, self.notebook_dir, timeout=15.0)
            except MediaUnavailable as exc:
                self.app.call_from_thread(self.set_status, f"Not available: {exc}")
                return
            self.app.call_from_thread(then, ref, data)

        self.run_worker(work, thread=True, group="media-io")

    # -- save as ------------------------------------------------------------------------------------------------

    def action_save(self) -> None:
        from ...media.files import suggested_path
        from .media_dialogs import PathInputScreen

        default = suggested_path(self.notebook_dir, self.cell_name, self.ref.index, self.ref.mime)
        kind = "image" if self.ref.is_image else "audio"

        def chosen(result: tuple[str, bool] | None) -> None:
            if result:
                self._with_bytes(lambda ref, data: self._save(data, result[0], result[1]))

        self.app.push_screen(
            PathInputScreen(f"Save {kind} as", "File name (relative names go in the notebook's folder):",
                            str(default), self.notebook_dir, ok="Save", checkbox="Overwrite if it exists"),
            chosen)

    def _save(self, data: bytes, text: str, overwrite: bool) -> None:
        from ...media.files import SaveError, save_bytes

        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.notebook_dir / path
        try:
            saved = save_bytes(data, path, overwrite=overwrite)
        except SaveError as exc:
            self.set_status(f"Not saved: {exc}")
            self.app.notify(f"Not saved: {exc}", severity="warning")
            return
        self.set_status(f"Saved {saved}")
        self.app.notify(f"Saved {saved}")

    # -- system viewer ------------------------------------------------------------------------------------------

    def action_open_external(self) -> None:
        from ...media.files import remote_session

        if remote_session():
            self.set_status("Remote session (SSH): press s to save the file, then copy it to your machine.")
            return
        self._with_bytes(self._open_external)

    def _open_external(self, ref: MediaRef, data: bytes) -> None:
        from ...media.files import cached_copy, open_with_system_viewer

        self.set_status(open_with_system_viewer(cached_copy(data, f"{self.cell_name}-{ref.label}", ref.mime)))

    # -- audio --------------------------------------------------------------------------------------------------

    def _player(self) -> Any:
        player = getattr(self.app, "_tuinb_player", None)
        if player is None:
            from ...media.audio_playback import Player

            config = getattr(self.app, "config", None)
            configured = (getattr(config, "extra", None) or {}).get("audio_player") if config else None
            player = Player(configured if isinstance(configured, str) else None)
            self.app._tuinb_player = player  # one player per app: starting a clip stops the previous one
        return player

    def _stop_audio(self) -> bool:
        player = getattr(self.app, "_tuinb_player", None)
        return bool(player and player.stop())

    def action_play(self) -> None:
        if not self.ref.is_audio:
            self.set_status("space plays audio; this is an image.")
            return
        player = self._player()
        if player.playing:
            player.stop()
            self.set_status("Stopped.")
            return
        self._with_bytes(self._play)

    def _play(self, ref: MediaRef, data: bytes) -> None:
        result = self._player().play(data, f"{self.cell_name}-{ref.label}", ref.mime)
        self.set_status(result.message + (f"\nCopy it to your machine with:  {result.scp}" if result.scp else ""))
        if result.scp:
            self.app.copy_to_clipboard(result.scp)  # OSC 52: lands on the *user's* clipboard, even over SSH
