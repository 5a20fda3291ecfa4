"""An inline image: a fixed-size box holding a textual-image widget, with a one-line caption.

The box's size is computed before the image is decoded (from the PNG/GIF/JPEG header and the cell size), so
nothing around it moves when the picture arrives, and scrolling never re-lays it out — that is what keeps
sixel/kitty images from flickering (spec §2.3/2.4). Until textual-image is loaded (it costs ~0.25 s, so the
first images of a session load it in a worker after the notebook is on screen), and for files, bytes are read
and decoded in a thread worker: a URL
attachment is fetched only when its preview is shown, with a timeout, and a failure leaves the link and the
reason on screen instead of an image.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Static

from ...media.items import MediaRef, MediaUnavailable, read_media
from ...sanitize import terminal_safe
from . import graphics

MAX_COLS = 64
NOT_FETCHED = "not fetched automatically: press o to fetch and view it"
INLINE_SYNC_CHARS = 4_000_000
"""Inline (base64) images up to this many characters (~3 MB) are decoded while the cell is built."""


def _decode(data: bytes) -> Any:
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    return image


def header_size(ref: MediaRef) -> tuple[int, int] | None:
    """(width, height) in pixels from the image header, without decoding (None when unknown)."""
    if ref.kind != "base64":
        return None
    from ..outputs import media_dimensions

    dims = media_dimensions(ref.mime, ref.value, ref.kind)
    if "×" not in dims:
        return None
    w, h = dims.split("×")
    return int(w), int(h)


def box_size(pixels: tuple[int, int] | None, rows: int, max_cols: int = MAX_COLS) -> tuple[int, int]:
    """(cols, rows) of a box ``rows`` high that shows an image of ``pixels`` at its aspect ratio."""
    if not pixels or not pixels[0] or not pixels[1]:
        return min(max_cols, rows * 2), rows
    info = graphics.current() if graphics._state is not None else None  # noqa: SLF001 - no probe from here
    cw, ch = info.cell_size if info and info.cell_size else (10, 20)
    cols = round(rows * ch * pixels[0] / pixels[1] / cw)
    if cols > max_cols:  # too wide: shrink rows to keep the aspect ratio
        rows = max(2, round(rows * max_cols / cols))
        cols = max_cols
    return max(2, cols), rows


def notebook_dir_of(widget: Widget) -> Path:
    nb = getattr(widget.app, "notebook", None)
    return nb.folder if nb is not None else Path.cwd()


class ImagePreview(Widget):
    DEFAULT_CSS = """
    ImagePreview { height: auto; width: 100%; padding: 0 1; }
    ImagePreview .image-box { background: $boost; }
    ImagePreview .image-box > Static { color: $text-muted; width: 100%; height: 100%; content-align: center middle; }
    ImagePreview .image-caption { color: $text-muted; height: 1; }
    """

    def __init__(self, ref: MediaRef, *, rows: int = 10, renderer: str | None = None, caption: str = "",
                 max_cols: int = MAX_COLS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ref = ref
        self.renderer = renderer
        self.caption_text = caption
        self.pixels = header_size(ref)
        self.cols, self.rows = box_size(self.pixels, rows, max_cols)
        self._box = Container(classes="image-box")
        self._box.styles.width = self.cols
        self._box.styles.height = self.rows
        self._status = Static("loading…")
        self.loaded: Any = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        self.renderer = self.renderer or graphics.renderer_for(getattr(self.app, "graphics", None))
        image = None
        if (self.renderer != "none" and self.ref.kind == "base64" and len(self.ref.value) <= INLINE_SYNC_CHARS
                and graphics.widgets_ready()):
            # Already in memory and small: decoding takes a few ms, and drawing it in the same frame as the
            # cell means no second layout pass (and deterministic snapshots). Files and URLs use the worker,
            # and so does everything before textual-image is loaded: the notebook must not wait for it.
            try:
                image = _decode(read_media(self.ref, Path.cwd()))
            except Exception as exc:  # noqa: BLE001 - shown in the box, like a worker failure
                self.error = f"cannot decode the image: {exc}"
        with self._box:
            if image is not None:
                self.loaded = image
                self.pixels = self.pixels or image.size
                yield self._image_widget(image)
            else:
                if self.error:
                    self._status.update(Text(terminal_safe(self.error), style="italic"))
                yield self._status
        yield Static(self._caption(), classes="image-caption")

    def _image_widget(self, image: Any) -> Widget:
        cls = graphics.image_widget_class(self.renderer or "unicode")
        widget = cls(image, classes="image")
        widget.styles.width = "100%"
        widget.styles.height = "100%"
        return widget

    def _caption(self) -> Text:
        dims = f" {self.pixels[0]}×{self.pixels[1]}" if self.pixels else ""
        where = f" · {self.ref.value}" if self.ref.kind == "file_uri" else ""
        label = self.caption_text or self.ref.label
        return Text(terminal_safe(f"🖼 {label} · {self.ref.mime}{dims}{where}"), no_wrap=True, overflow="ellipsis")

    def on_mount(self) -> None:
        if self.renderer == "none":
            self._status.update("image previews are off (--graphics none)")
            return
        if self.loaded is not None or self.error:
            return
        if self.ref.is_url:
            # Opening a notebook never makes requests by itself: a remote image could be a tracking pixel,
            # and over SSH or offline it would only wait. The viewer (`o`) fetches it when asked.
            self._status.update(Text(terminal_safe(f"{self.ref.value}\n{NOT_FETCHED}"), style="italic"))
            return
        directory = notebook_dir_of(self)
        # After the frame this widget first appears in: a worker started now would import and decode (numpy,
        # textual-image, PIL: 0.3 s+) while that frame is laid out, and share the interpreter lock with it.
        self.call_after_refresh(self.run_worker, lambda: self._load(directory), thread=True, group="media-load")

    def _load(self, directory: Path) -> None:
        try:
            graphics.load_widgets()
        except Exception as exc:  # noqa: BLE001 - e.g. a broken textual-image install: say so in the box
            self.app.call_from_thread(self._failed, f"image previews are unavailable: {exc}")
            return
        try:
            image = _decode(read_media(self.ref, directory, timeout=10.0))
        except MediaUnavailable as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - PIL: not an image, truncated file...
            self.app.call_from_thread(self._failed, f"cannot decode the image: {exc}")
            return
        self.app.call_from_thread(self._show, image)

    def _failed(self, reason: str) -> None:
        self.error = reason
        link = f"{self.ref.value}\n" if self.ref.is_url else ""
        self._status.update(Text(terminal_safe(f"{link}{reason}"), style="italic"))

    async def _show(self, image: Any) -> None:
        if self.renderer == "none" or not self.is_mounted:
            return
        if self.pixels is None:
            self.pixels = image.size
        self.loaded = image
        await self._status.remove()
        await self._box.mount(self._image_widget(image))
        self.query_one(".image-caption", Static).update(self._caption())
