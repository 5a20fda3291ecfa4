"""Ask the terminal what it can draw, without making start-up wait for the answer.

A terminal answers queries on stdin: DA1 (``CSI c``) lists its features (attribute 4 = sixel), the kitty
graphics query (``APC G … a=q``) is answered ``OK`` only by terminals that speak that protocol, and
``CSI 16 t`` gives the pixel size of a cell. textual-image sends these one by one when it is imported and
waits up to 0.1 s for each reply that never comes (tmux, most terminals over SSH): a fixed cost on every
start. Here the three queries go out together as soon as tuinb starts, the replies are read just before the
app takes over the terminal, and the DA1 reply is the "end of answers" marker: every VT100-style terminal
answers it, and after the others, because terminals answer in order. So the wait overlaps with importing
Python modules and usually costs nothing.

While the queries are in flight the terminal is in no-echo, non-canonical mode, so replies never show up as
text on the screen; :meth:`TerminalProbe.finish` always puts the previous mode back (call it in a finally).
Keys typed in that window arrive mixed with the replies: they are kept apart (``ProbeResult.typed``) and the app
replays them once it runs, so a key pressed while tuinb starts is not lost.
"""

from __future__ import annotations

import os
import re
import select
import time
from dataclasses import dataclass

KITTY_ID = 4171
KITTY_QUERY = f"\x1b_Gi={KITTY_ID},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
CELL_SIZE_QUERY = "\x1b[16t"
DA1_QUERY = "\x1b[c"

_DA1_REPLY = re.compile(rb"\x1b\[\?([0-9;]*)c")
_KITTY_REPLY = re.compile(rb"\x1b_Gi=" + str(KITTY_ID).encode() + rb";([^\x1b]*)\x1b\\")
_CELL_REPLY = re.compile(rb"\x1b\[6;(\d+);(\d+)t")


@dataclass(frozen=True)
class ProbeResult:
    answered: bool
    """The terminal answered DA1 (False: it said nothing in time, so we know nothing)."""
    sixel: bool = False
    kitty: bool = False
    cell_size: tuple[int, int] | None = None
    """(width, height) in pixels of one cell, when the terminal said."""
    typed: bytes = b""
    """What else arrived: keys the user typed while tuinb was starting."""


def typed_keys(data: bytes) -> bytes:
    """``data`` without the terminal's replies: the keys typed meanwhile."""
    for reply in (_DA1_REPLY, _KITTY_REPLY, _CELL_REPLY):
        data = reply.sub(b"", data)
    return data


def parse_replies(data: bytes) -> ProbeResult:
    """What the replies in ``data`` say, and what else came (keys typed meanwhile)."""
    da1 = _DA1_REPLY.search(data)
    kitty = _KITTY_REPLY.search(data)
    cell = _CELL_REPLY.search(data)
    size = None
    if cell:
        height, width = int(cell.group(1)), int(cell.group(2))
        if width and height:
            size = (width, height)
    return ProbeResult(
        answered=da1 is not None,
        sixel=bool(da1) and "4" in da1.group(1).decode().split(";"),
        kitty=bool(kitty) and kitty.group(1).decode().strip() == "OK",
        cell_size=size,
        typed=typed_keys(data),
    )


class TerminalProbe:
    """Queries sent by :meth:`start`, replies collected by :meth:`finish` (at most ``timeout`` after start)."""

    def __init__(self, fd_in: int, fd_out: int, *, features: bool = True, cell_size: bool = True) -> None:
        self.fd_in = fd_in
        self.fd_out = fd_out
        self.features = features
        self.cell_size = cell_size
        self._saved: list | None = None
        self._started = 0.0
        self.result: ProbeResult | None = None

    def start(self) -> bool:
        """Send the queries; False (and nothing sent) when the terminal's mode cannot be changed."""
        import termios

        try:
            self._saved = termios.tcgetattr(self.fd_in)
            quiet = termios.tcgetattr(self.fd_in)
            quiet[3] &= ~(termios.ICANON | termios.ECHO)  # lflags: replies are neither echoed nor line-buffered
            quiet[0] &= ~termios.IXON  # iflags: ctrl+s / ctrl+q typed meanwhile are keys, not flow control
            quiet[6][termios.VMIN] = 0
            quiet[6][termios.VTIME] = 0
            termios.tcsetattr(self.fd_in, termios.TCSANOW, quiet)
        except (termios.error, OSError):
            self._saved = None
            return False
        queries = (KITTY_QUERY if self.features else "") + (CELL_SIZE_QUERY if self.cell_size else "") + DA1_QUERY
        try:
            os.write(self.fd_out, queries.encode())
        except OSError:
            self._restore()
            self._saved = None
            return False
        self._started = time.monotonic()
        return True

    def finish(self, timeout: float = 1.0) -> ProbeResult:
        """Read replies until the DA1 answer (or ``timeout`` after start), then restore the terminal's mode.

        The timeout only matters for a terminal that is slow to answer (SSH over a slow link) or silent: an
        answer that came after we stopped listening would reach the app as key presses (``?`` opens help).
        """
        if self.result is not None:
            return self.result
        if self._saved is None:
            self.result = ProbeResult(answered=False)
            return self.result
        data = b""
        try:
            deadline = self._started + timeout
            while not _DA1_REPLY.search(data):
                # Past the deadline, still take what has already arrived (start-up may have been slow).
                remaining = max(0.0, deadline - time.monotonic())
                readable, _, _ = select.select([self.fd_in], [], [], remaining)
                if not readable:
                    break
                chunk = os.read(self.fd_in, 4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        finally:
            self._restore()
        self.result = parse_replies(data)
        return self.result

    def _restore(self) -> None:
        import termios

        if self._saved is not None:
            try:
                termios.tcsetattr(self.fd_in, termios.TCSANOW, self._saved)
            except (termios.error, OSError):
                pass
