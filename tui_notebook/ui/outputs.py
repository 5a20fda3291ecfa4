"""How a cell's outputs look: text as Markdown, errors in red, images and audio as inline previews (``ui/media``)."""

from __future__ import annotations

import base64
import struct
import sys
from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from ..document import Attachment, Error, ExecuteResult, Output, OutputDataWithStringValue
from ..sanitize import terminal_safe
from .steady import NoRelayoutOnResize, SteadyStatic


DISPLAY_LIMIT = 20_000
"""Characters of one text output drawn in the cell. A model can answer with megabytes; laying that out on
every key press would freeze the UI, so the cell shows the start and says how much more there is (the whole
text stays in the notebook, in ``{{cell.output}}`` and in the saved file)."""


def display_text(text: str, *, tail: bool = False) -> str:
    """``text`` cut to :data:`DISPLAY_LIMIT` characters (its end when ``tail``), made terminal-safe."""
    if len(text) > DISPLAY_LIMIT:
        hidden = len(text) - DISPLAY_LIMIT
        if tail:
            text = f"… ({hidden:,} earlier characters not shown)\n" + text[-DISPLAY_LIMIT:]
        else:
            text = text[:DISPLAY_LIMIT] + f"\n\n… ({hidden:,} more characters not shown; the full output is kept)"
    return terminal_safe(text)


def media_dimensions(mime: str, value: str, kind: str) -> str:
    """``512×512`` for PNG/GIF/JPEG base64 data (header only, no image library); ``''`` when unknown."""
    if kind != "base64" or not mime.startswith("image/"):
        return ""
    try:
        head = base64.b64decode(value[:4096] + "=" * (-len(value[:4096]) % 4), validate=False)
    except (ValueError, TypeError):
        return ""
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return f"{width}×{height}"
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return f"{width}×{height}"
    if head[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(head):
            if head[i] != 0xFF:
                break
            marker, length = head[i + 1], struct.unpack(">H", head[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", head[i + 5:i + 9])
                return f"{width}×{height}"
            i += 2 + length
    return ""


def media_placeholder(mime: str | None, data: OutputDataWithStringValue | str) -> str:
    mime = mime or "application/octet-stream"
    if isinstance(data, OutputDataWithStringValue):
        if data.kind == "file_uri":
            return terminal_safe(f"[{mime} {data.value}]")
        dims = media_dimensions(mime, data.value, data.kind)
        size = len(data.value) * 3 // 4
        return terminal_safe(f"[{mime} {dims}]" if dims else f"[{mime} {size:,} bytes]")
    return terminal_safe(f"[{mime}]")


class TextOutput(NoRelayoutOnResize, Static):
    """A text output drawn as Markdown.

    One widget rendering a Rich Markdown renderable, not Textual's ``Markdown`` widget: that one builds a
    child widget per block (each styled by CSS), which made opening a notebook full of answers slow.
    """

    def __init__(self, source: str, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self._source = source
        self._markdown = None

    @property
    def source(self) -> str:
        """The (already terminal-safe) text shown."""
        return self._source

    @source.setter
    def source(self, text: str) -> None:
        self._source, self._markdown = text, None

    def render(self):  # noqa: ANN201 - a Rich renderable
        # Parsed once per text: Textual calls render() again for every layout pass and resize.
        if self._markdown is None:
            markdown = markdown_class(self)
            if markdown is None:
                return Text(self._source)  # the first frame: plain, Markdown a moment later (load_markdown)
            self._markdown = markdown(self._source)
        return self._markdown


def markdown_class(widget: Widget) -> type | None:
    """``rich.markdown.Markdown``; None while the app holds it back until its first frame is on screen.

    Importing it loads markdown-it and pygments (40-50 ms here), and the first frame of a notebook with text
    outputs would wait for that. An app with ``defer_markdown`` set draws those outputs as plain text first and
    loads Markdown right after the frame is written (:func:`load_markdown`)."""
    app = widget.app
    if getattr(app, "defer_markdown", False) and "rich.markdown" not in sys.modules:
        if not getattr(app, "markdown_requested", False):
            app.markdown_requested = True
            app.call_after_refresh(load_markdown, app)
        return None
    from rich.markdown import Markdown

    return Markdown


def preload_markdown() -> None:
    """Import Markdown and build its parser, off the UI thread (``TuinbApp._settle``): done on the UI thread
    when the first answer of a session arrived, it froze the app for 80-280 ms while a model was generating."""
    from rich.markdown import Markdown

    Markdown("*warm*")


def load_markdown(app: Any) -> None:
    """Load Markdown (on the UI thread, after the first frame) and redraw the text outputs drawn without it."""
    import rich.markdown  # noqa: F401

    app.defer_markdown = False
    for output in app.query(TextOutput):
        if output._markdown is None:  # noqa: SLF001
            output.refresh(layout=True)  # Markdown may join or add lines: a new height


def output_widget(output: Output) -> Widget:
    if isinstance(output, Error):
        text = Text.assemble(("Error", "bold"), terminal_safe(f" {output.ename}: "), terminal_safe(output.evalue))
        return SteadyStatic(text, classes="output-error")
    assert isinstance(output, ExecuteResult)
    data = output.data
    mime = output.mime_type or ""
    if isinstance(data, str) and (not mime or mime.startswith("text/")):
        return TextOutput(display_text(data), classes="output-text")
    if isinstance(data, OutputDataWithStringValue):
        if mime.startswith("text/") and data.kind != "file_uri":
            return TextOutput(display_text(data.value), classes="output-text")
    preview = media_preview(output)
    if preview is not None:
        return preview
    if isinstance(data, OutputDataWithStringValue):
        return SteadyStatic(Text(media_placeholder(mime, data)), classes="output-media")
    if isinstance(data, str):
        return SteadyStatic(Text(media_placeholder(mime, data)), classes="output-media")
    import json

    try:
        shown = json.dumps(data.model_dump(mode="json") if hasattr(data, "model_dump") else data, indent=2)
    except TypeError:
        shown = repr(data)
    return SteadyStatic(Text(terminal_safe(shown)), classes="output-data")


def copyable_text(outputs: list[Output]) -> str | None:
    """What ``y`` copies: the text of every output (an error as "Name: message", data as JSON), blank lines
    between them. Images and audio are skipped (``o`` opens them); None when nothing is left."""
    import json

    pieces: list[str] = []
    for output in outputs:
        if isinstance(output, Error):
            pieces.append(f"{output.ename}: {output.evalue}")
            continue
        data = output.data
        mime = output.mime_type or ""
        if isinstance(data, str):
            if not mime or mime.startswith("text/"):
                pieces.append(data)
        elif isinstance(data, OutputDataWithStringValue):
            if mime.startswith("text/") and data.kind != "file_uri":
                pieces.append(data.value)
        else:
            try:
                pieces.append(json.dumps(data.model_dump(mode="json") if hasattr(data, "model_dump") else data,
                                         indent=2, ensure_ascii=False))
            except TypeError:
                pieces.append(repr(data))
    return "\n\n".join(pieces) if pieces else None


def media_preview(output: ExecuteResult) -> Widget | None:
    """An inline image / audio preview (ui/media) for a media output; None for anything else."""
    from ..media.items import output_media

    ref = output_media(output, output.execution_count or 0)
    if ref is None:
        return None
    if ref.is_url:
        return SteadyStatic(_remote_media_line(ref, f"output {ref.index + 1}"), classes="output-media")
    if ref.is_image:
        from .media.image_preview import ImagePreview

        return ImagePreview(ref, classes="output-image")
    from .media.audio_widget import AudioPreview

    return AudioPreview(ref, classes="output-audio")


def _remote_media_line(ref, label: str) -> Text:  # noqa: ANN001 - a media.items.MediaRef
    """A remote image/audio as a link: opening a notebook never fetches anything (see ImagePreview)."""
    from .media.image_preview import NOT_FETCHED

    icon = "🖼" if ref.is_image else "♪"
    return Text.assemble(terminal_safe(f"{icon} {label} · {ref.mime} · "), (terminal_safe(ref.value), "underline"),
                         (f"  ({NOT_FETCHED})", "dim italic"))


def attachment_widget(attachment: Attachment, index: int) -> Widget:
    """An input attachment, previewed like an output: images and audio inline, anything else as a line."""
    from ..media.items import attachment_media

    ref = attachment_media(attachment, index)
    if ref is not None and ref.is_url and (ref.is_image or ref.is_audio):
        return SteadyStatic(_remote_media_line(ref, f"📎 attachment {index + 1}"), classes="attachment-line")
    if ref is not None and ref.is_image:
        from .media.image_preview import ImagePreview

        return ImagePreview(ref, rows=6, caption=f"📎 attachment {index + 1}", classes="attachment-image")
    if ref is not None and ref.is_audio:
        from .media.audio_widget import AudioPreview

        return AudioPreview(ref, caption=f"📎 attachment {index + 1}", classes="attachment-audio")
    return SteadyStatic(Text(attachment_line(attachment)), classes="attachment-line")


def attachment_line(attachment: Attachment) -> str:
    return terminal_safe(_attachment_line(attachment))


def _attachment_line(attachment: Attachment) -> str:
    data = attachment.data
    mime = attachment.mime_type or "attachment"
    if isinstance(data, str):
        return f"📎 {mime}  {data}"
    if hasattr(data, "kind") and getattr(data, "kind", "") == "file_uri":
        return f"📎 {mime}  {data.value}"
    if hasattr(data, "value"):
        dims = media_dimensions(mime, data.value, data.kind)
        return f"📎 {mime}  {dims or f'{len(data.value) * 3 // 4:,} bytes'} (inline)"
    return f"📎 {mime}"
