"""Which image renderer to use, decided once at start-up, and why (``tuinb doctor`` prints the why).

textual-image picks its renderer when ``textual_image.renderable`` is first imported, by querying the
terminal (sixel via DA1, then the kitty graphics query) and reading the replies from stdin. Once Textual runs
it owns stdin and would swallow the replies, so :func:`setup` must run *before* ``App.run`` (launch does it).
``none`` never imports textual-image at all, so it also skips the probe (the only way to, spec §2.4).

Renderers: ``sixel``, ``tgp`` (kitty graphics; ``kitty`` is accepted as its name), ``halfcell`` and
``unicode`` (pure text, deterministic: snapshot tests use these two), ``none`` (a text placeholder).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

RENDERERS = ("sixel", "tgp", "halfcell", "unicode", "none")
ALIASES = {"kitty": "tgp", "half": "halfcell", "off": "none"}


@dataclass(frozen=True)
class GraphicsInfo:
    requested: str
    renderer: str
    reason: str
    cell_size: tuple[int, int] | None  # pixels (width, height) of one terminal cell
    cell_reason: str

    def describe(self) -> str:
        cell = f"{self.cell_size[0]}×{self.cell_size[1]} px ({self.cell_reason})" if self.cell_size else \
            self.cell_reason
        return f"{self.renderer} — {self.reason}; cell size {cell}"


_state: GraphicsInfo | None = None


def normalize(choice: str | None) -> str:
    value = (choice or "auto").strip().lower()
    value = ALIASES.get(value, value)
    return value if value in RENDERERS or value == "auto" else "auto"


def _stdout_is_tty() -> bool:
    out = sys.__stdout__
    try:
        return bool(out and out.isatty())
    except (ValueError, OSError):
        return False


def _ioctl_cell_size() -> tuple[int, int] | None:
    """Pixel size of a cell from TIOCGWINSZ, or None when the terminal reports 0 (common over SSH)."""
    try:
        import fcntl
        import struct
        import termios

        raw = fcntl.ioctl(sys.__stdout__.fileno(), termios.TIOCGWINSZ, b"\0" * 8)  # type: ignore[union-attr]
        rows, cols, xpix, ypix = struct.unpack("HHHH", raw)
    except (ImportError, OSError, ValueError, AttributeError):
        return None
    if rows and cols and xpix and ypix:
        return xpix // cols, ypix // rows
    return None


def _cell_size(tty: bool) -> tuple[tuple[int, int], str]:
    from textual_image._terminal import get_cell_size

    direct = _ioctl_cell_size() if tty else None
    size = get_cell_size()
    result = (int(size.width), int(size.height))
    if direct is not None and direct == result:
        return result, "reported by the terminal (TIOCGWINSZ)"
    env_w, env_h = os.environ.get("TEXTUAL_CELL_WIDTH", ""), os.environ.get("TEXTUAL_CELL_HEIGHT", "")
    if env_w.isdigit() and env_h.isdigit() and result == (int(env_w), int(env_h)):
        return result, "from TEXTUAL_CELL_WIDTH/TEXTUAL_CELL_HEIGHT"
    if result == (10, 20):
        return result, "assumed (the terminal did not say; set TEXTUAL_CELL_WIDTH/HEIGHT to correct it)"
    return result, "answered by the terminal (CSI 16t)"


def detect(choice: str | None = "auto") -> GraphicsInfo:
    """Decide the renderer for ``choice`` (auto or a forced one). Probes the terminal unless ``none``."""
    requested = normalize(choice)
    if requested == "none":
        return GraphicsInfo(requested, "none", "turned off (--graphics none or graphics = \"none\")", None,
                            "not probed")
    tty = _stdout_is_tty()
    if requested != "auto":
        import textual_image.widget  # noqa: F401 - the import probes the cell size, as the widgets need

        renderer, reason = requested, "forced (--graphics or the config file)"
        if requested in ("sixel", "tgp") and not tty:
            reason += "; stdout is not a terminal, so nothing will be drawn"
    elif not tty:
        import textual_image.renderable  # noqa: F401 - no terminal: no probe, picks unicode

        renderer, reason = "unicode", "stdout is not a terminal (piped, or under a test): text-only blocks"
    else:
        import textual_image.renderable as r

        chosen = r.Image
        if chosen is r.SixelImage:
            renderer, reason = "sixel", "the terminal announced sixel support (DA1 attribute 4)"
        elif chosen is r.TGPImage:
            renderer, reason = "tgp", "the terminal answered the kitty graphics protocol query"
        else:
            renderer, reason = "halfcell", "a terminal without sixel or kitty graphics: coloured half blocks"
        if renderer == "tgp" and os.environ.get("TERM_PROGRAM") == "WarpTerminal":
            # Warp answers the kitty query but cannot show Unicode placeholders (spec §2.4 item 3).
            renderer, reason = "halfcell", "Warp answers the kitty graphics query but cannot show placeholders"
        if os.environ.get("TMUX"):
            reason += " (inside tmux: needs `set -g allow-passthrough on` for kitty graphics)"
    size, cell_reason = _cell_size(tty)
    return GraphicsInfo(requested, renderer, reason, size, cell_reason)


def setup(choice: str | None) -> GraphicsInfo:
    """Detect once and remember (call before ``App.run``)."""
    global _state
    _state = detect(choice)
    return _state


def current() -> GraphicsInfo:
    """The start-up decision; detected lazily (as ``auto``) when nothing called :func:`setup` (tests)."""
    global _state
    if _state is None:
        _state = detect("auto")
    return _state


def renderer_for(app_choice: str | None) -> str:
    """The renderer for an app: a forced choice wins, else the start-up detection."""
    choice = normalize(app_choice)
    if choice != "auto":
        return choice
    return current().renderer


def image_widget_class(renderer: str) -> Any:
    """The textual-image widget class for ``renderer``; None for ``none``."""
    if renderer == "none":
        return None
    import textual_image.widget as w

    return {"sixel": w.SixelImage, "tgp": w.TGPImage, "halfcell": w.HalfcellImage,
            "unicode": w.UnicodeImage}.get(renderer, w.UnicodeImage)
