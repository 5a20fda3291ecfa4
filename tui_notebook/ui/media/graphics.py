"""Which image renderer to use, decided once at start-up, and why (``tuinb doctor`` prints the why).

The decision comes from asking the terminal (:mod:`.term_probe`): sixel if DA1 lists attribute 4, else the
kitty graphics protocol if it answers its query, else coloured half blocks — textual-image's own order. The
queries go out in :func:`begin`, as early as start-up allows, and :func:`setup` reads the answers just before
``App.run`` (Textual then owns stdin and would swallow them), so the wait overlaps with start-up.

textual-image itself (with numpy and PIL, ~0.25 s) is imported only when the first image is drawn, usually
in a thread worker after the notebook is on screen (:func:`load_widgets`). It would probe the terminal again
on import; we import it with stdout looking like a pipe and hand it our decision and cell size instead.
``none`` never imports textual-image at all.

Renderers: ``sixel``, ``tgp`` (kitty graphics; ``kitty`` is accepted as its name), ``halfcell`` and
``unicode`` (pure text, deterministic: snapshot tests use these two), ``none`` (a text placeholder).
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

from .term_probe import ProbeResult, TerminalProbe

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
_typed_ahead = b""  # keys typed while the probe's replies were awaited (take_typed_ahead)


def normalize(choice: str | None) -> str:
    value = (choice or "auto").strip().lower()
    value = ALIASES.get(value, value)
    return value if value in RENDERERS or value == "auto" else "auto"


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream and stream.isatty())
    except (ValueError, OSError):  # closed
        return False


def _stdout_is_tty() -> bool:
    return _is_tty(sys.__stdout__)


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


def _env_cell_size() -> tuple[int, int] | None:
    """TEXTUAL_CELL_WIDTH / TEXTUAL_CELL_HEIGHT (set by textual-serve for web terminals)."""
    width, height = os.environ.get("TEXTUAL_CELL_WIDTH", ""), os.environ.get("TEXTUAL_CELL_HEIGHT", "")
    if width.isdigit() and height.isdigit() and int(width) and int(height):
        return int(width), int(height)
    return None


_pending: tuple[str, TerminalProbe | None, tuple[int, int] | None] | None = None


def begin(choice: str | None) -> None:
    """Send the terminal queries for ``choice`` now; :func:`setup` collects the answers."""
    global _pending
    requested = normalize(choice)
    probe = None
    direct = None
    if requested != "none" and _stdout_is_tty():
        direct = _ioctl_cell_size()
        wants_features = requested == "auto"
        if _is_tty(sys.__stdin__) and (wants_features or direct is None):
            probe = TerminalProbe(sys.__stdin__.fileno(), sys.__stdout__.fileno(),  # type: ignore[union-attr]
                                  features=wants_features, cell_size=direct is None)
            if not probe.start():
                probe = None
    _pending = (requested, probe, direct)


def abandon() -> None:
    """Put the terminal back as it was if :func:`begin` ran but :func:`setup` will not (start-up failed)."""
    global _pending
    if _pending is not None and _pending[1] is not None:
        _pending[1].finish(timeout=0)
    _pending = None


def _decide(requested: str, probe: TerminalProbe | None, direct: tuple[int, int] | None) -> GraphicsInfo:
    if requested == "none":
        return GraphicsInfo(requested, "none", "turned off (--graphics none or graphics = \"none\")", None,
                            "not probed")
    global _typed_ahead
    tty = _stdout_is_tty()
    answers = probe.finish() if probe is not None else ProbeResult(answered=False)
    _typed_ahead += answers.typed
    if requested != "auto":
        renderer, reason = requested, "forced (--graphics or the config file)"
        if requested in ("sixel", "tgp") and not tty:
            reason += "; stdout is not a terminal, so nothing will be drawn"
    elif not tty:
        renderer, reason = "unicode", "stdout is not a terminal (piped, or under a test): text-only blocks"
    elif answers.sixel:
        renderer, reason = "sixel", "the terminal announced sixel support (DA1 attribute 4)"
    elif answers.kitty:
        renderer, reason = "tgp", "the terminal answered the kitty graphics protocol query"
    else:
        renderer = "halfcell"
        reason = ("a terminal without sixel or kitty graphics: coloured half blocks" if answers.answered else
                  "the terminal did not answer the graphics queries: coloured half blocks")
    if renderer == "tgp" and requested == "auto" and os.environ.get("TERM_PROGRAM") == "WarpTerminal":
        # Warp answers the kitty query but cannot show Unicode placeholders (spec §2.4 item 3).
        renderer, reason = "halfcell", "Warp answers the kitty graphics query but cannot show placeholders"
    if tty and requested == "auto" and os.environ.get("TMUX"):
        reason += " (inside tmux: needs `set -g allow-passthrough on` for kitty graphics)"
    if direct is not None:
        size, cell_reason = direct, "reported by the terminal (TIOCGWINSZ)"
    elif answers.cell_size is not None:
        size, cell_reason = answers.cell_size, "answered by the terminal (CSI 16t)"
    elif (from_env := _env_cell_size()) is not None:
        size, cell_reason = from_env, "from TEXTUAL_CELL_WIDTH/TEXTUAL_CELL_HEIGHT"
    else:
        size = (10, 20)
        cell_reason = "assumed (the terminal did not say; set TEXTUAL_CELL_WIDTH/HEIGHT to correct it)"
    return GraphicsInfo(requested, renderer, reason, size, cell_reason)


def detect(choice: str | None = "auto") -> GraphicsInfo:
    """Decide the renderer for ``choice`` (auto or a forced one), asking the terminal and waiting for it."""
    begin(choice)
    return setup(choice)


def setup(choice: str | None) -> GraphicsInfo:
    """Collect the answers to :func:`begin` (sending the queries now if it was not called) and remember the
    decision. Call before ``App.run``."""
    global _state, _pending
    requested = normalize(choice)
    if _pending is None or _pending[0] != requested:
        abandon()
        begin(requested)
    assert _pending is not None
    _state = _decide(*_pending)
    _pending = None
    return _state


def take_typed_ahead() -> bytes:
    """The keys the user typed while the terminal's answers were read (once; the app replays them)."""
    global _typed_ahead
    typed, _typed_ahead = _typed_ahead, b""
    return typed


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


class _LooksLikeAPipe:
    """sys.__stdout__ as textual-image sees it while it is imported: not a TTY, so it does not query the
    terminal (Textual may own it by then) and leaves the choice to us."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


_load_lock = threading.Lock()
_widgets: Any = None


def widgets_ready() -> bool:
    """True once textual-image is imported (images can then be built in the same frame as their cell)."""
    return _widgets is not None


def load_widgets() -> Any:
    """Import textual-image (once, thread-safe) configured with our renderer and cell size."""
    global _widgets
    if _widgets is not None:
        return _widgets
    with _load_lock:
        if _widgets is None:
            info = current()
            real = sys.__stdout__
            sys.__stdout__ = _LooksLikeAPipe(real)  # type: ignore[assignment]
            try:
                from textual_image import _terminal

                if info.cell_size:
                    # get_cell_size() caches its answer on the function; give it ours instead of a new query.
                    _terminal.get_cell_size._result = _terminal.CellSize(*info.cell_size)  # type: ignore[attr-defined]
                import textual_image.renderable as renderables

                renderables.Image = {  # the library's own "auto" choice, kept consistent with ours
                    "sixel": renderables.SixelImage, "tgp": renderables.TGPImage,
                    "halfcell": renderables.HalfcellImage,
                }.get(info.renderer, renderables.UnicodeImage)
                import textual_image.widget as widgets
            finally:
                sys.__stdout__ = real  # type: ignore[assignment]
            _widgets = widgets
    return _widgets


def image_widget_class(renderer: str) -> Any:
    """The textual-image widget class for ``renderer``; None for ``none``."""
    if renderer == "none":
        return None
    w = load_widgets()
    return {"sixel": w.SixelImage, "tgp": w.TGPImage, "halfcell": w.HalfcellImage,
            "unicode": w.UnicodeImage}.get(renderer, w.UnicodeImage)
