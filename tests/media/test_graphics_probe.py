"""The start-up terminal probe (sent early, read late), the renderer decision it feeds, textual-image loaded
later with our decision instead of its own probe, and images that arrive after the first paint."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import termios
import textwrap
import threading
import time
from pathlib import Path

import pytest
from fixtures.ui_app import wait_for
from media.media_kit import media_notebook

from tui_notebook.notebook import Notebook
from tui_notebook.ui.app import TuinbApp
from tui_notebook.ui.media import graphics
from tui_notebook.ui.media.audio_widget import AudioPreview
from tui_notebook.ui.media.image_preview import ImagePreview
from tui_notebook.ui.media.term_probe import (
    CELL_SIZE_QUERY,
    DA1_QUERY,
    KITTY_QUERY,
    ProbeResult,
    TerminalProbe,
    parse_replies,
)


class FakeTerminal:
    """A pty whose far end answers the probe's queries like a terminal would (or stays silent)."""

    def __init__(self, reply: bytes | None, delay: float = 0.0) -> None:
        self.master, self.slave = pty.openpty()
        self.reply = reply
        self.delay = delay
        self.received = b""

    def answer(self) -> threading.Thread:
        def run() -> None:
            deadline = time.monotonic() + 2
            while DA1_QUERY.encode() not in self.received and time.monotonic() < deadline:
                if select.select([self.master], [], [], 0.05)[0]:
                    self.received += os.read(self.master, 4096)
            time.sleep(self.delay)
            if self.reply is not None:
                os.write(self.master, self.reply)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def terminal():
    made: list[FakeTerminal] = []

    def make(reply: bytes | None, delay: float = 0.0) -> FakeTerminal:
        made.append(FakeTerminal(reply, delay))
        return made[-1]

    yield make
    for t in made:
        t.close()


def _probe(term: FakeTerminal, timeout: float = 0.5, **kwargs) -> tuple[ProbeResult, list, list, float]:
    before = termios.tcgetattr(term.slave)
    probe = TerminalProbe(term.slave, term.slave, **kwargs)
    assert probe.start()
    during = termios.tcgetattr(term.slave)
    thread = term.answer()
    started = time.monotonic()
    result = probe.finish(timeout=timeout)
    elapsed = time.monotonic() - started
    thread.join(2)
    assert termios.tcgetattr(term.slave) == before  # the terminal's mode is always put back
    return result, before, during, elapsed


def test_sixel_terminal(terminal):
    term = terminal(b"\x1b[6;18;9t\x1b[?62;4;22c")
    result, before, during, _ = _probe(term)
    assert result == ProbeResult(answered=True, sixel=True, kitty=False, cell_size=(9, 18))
    # while the queries are out, replies are neither echoed nor line-buffered
    assert before[3] & termios.ECHO and not during[3] & termios.ECHO and not during[3] & termios.ICANON
    assert not during[0] & termios.IXON  # a ctrl+q / ctrl+s typed meanwhile is a key, not flow control
    # all three queries go out at once, DA1 last: its answer marks the end of the answers
    assert term.received == (KITTY_QUERY + CELL_SIZE_QUERY + DA1_QUERY).encode()


def test_kitty_terminal_and_keys_typed_meanwhile(terminal):
    term = terminal(b"j\x1b_Gi=4171;OK\x1b\\k\x1b[?62;22c")
    result, *_ = _probe(term)
    assert result.answered and result.kitty and not result.sixel and result.cell_size is None
    assert result.typed == b"jk"  # the keys, kept apart from the replies


def test_keys_typed_while_starting_are_handed_over_once(monkeypatch):
    monkeypatch.setattr(graphics, "_typed_ahead", b"")
    graphics._decide("auto", _Answered(ProbeResult(answered=True, typed=b"j\x11")), None)
    assert graphics.take_typed_ahead() == b"j\x11"
    assert graphics.take_typed_ahead() == b""


async def test_the_app_replays_keys_typed_while_it_started(make_app):
    """`j` then `?` pressed while tuinb was still starting: the cursor moves and the help opens once it runs."""
    from tui_notebook.ui.help_screen import HelpScreen

    app = make_app((("p1", "one", "test-echo"), ("p2", "two", "test-echo")), typed_ahead=b"j?")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), message="the help opened")
        assert app.view.current == 1


@pytest.mark.serial  # a wall-clock window on the fake terminal's answer
def test_a_plain_terminal_answers_only_da1_and_we_stop_at_once(terminal):
    term = terminal(b"\x1b[?1;2c")
    result, _, _, elapsed = _probe(term, timeout=3.0)
    assert result == ProbeResult(answered=True)
    assert elapsed < 1.0  # no waiting for the kitty reply that never comes


@pytest.mark.serial  # a wall-clock window on the fake terminal's answer
def test_a_silent_terminal_costs_at_most_the_timeout(terminal):
    term = terminal(None)
    result, _, _, elapsed = _probe(term, timeout=0.3)
    assert result == ProbeResult(answered=False)
    assert 0.2 < elapsed < 1.0


@pytest.mark.serial  # a wall-clock window on the fake terminal's answer
def test_a_late_answer_inside_the_window_still_counts(terminal):
    term = terminal(b"\x1b[?64;4c", delay=0.15)
    result, *_ = _probe(term, timeout=1.0)
    assert result.sixel


def test_forced_renderer_sends_only_the_cell_size_query(terminal):
    term = terminal(b"\x1b[6;20;10t\x1b[?1;2c")
    result, *_ = _probe(term, features=False, cell_size=True)
    assert term.received == (CELL_SIZE_QUERY + DA1_QUERY).encode()
    assert result.cell_size == (10, 20)


def test_parse_replies_ignores_noise():
    assert parse_replies(b"") == ProbeResult(answered=False)
    assert parse_replies(b"\x1b_Gi=4171;ENOTSUPPORTED:x\x1b\\\x1b[?62c").kitty is False
    assert parse_replies(b"\x1b_Gi=99;OK\x1b\\\x1b[?62c").kitty is False  # someone else's image id
    assert parse_replies(b"\x1b[6;0;0t\x1b[?62c").cell_size is None


class _Answered:
    def __init__(self, result: ProbeResult) -> None:
        self.result = result

    def finish(self, timeout: float = 0.5) -> ProbeResult:
        return self.result


def test_the_decision_follows_textual_images_order(monkeypatch):
    monkeypatch.setattr(graphics, "_stdout_is_tty", lambda: True)
    monkeypatch.delenv("TERM_PROGRAM", raising=False)
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("TEXTUAL_CELL_WIDTH", raising=False)
    both = ProbeResult(answered=True, sixel=True, kitty=True, cell_size=(8, 16))
    info = graphics._decide("auto", _Answered(both), None)
    assert (info.renderer, info.cell_size) == ("sixel", (8, 16)) and "DA1" in info.reason
    assert "CSI 16t" in info.cell_reason
    info = graphics._decide("auto", _Answered(ProbeResult(answered=True, kitty=True)), (11, 22))
    assert info.renderer == "tgp" and info.cell_size == (11, 22) and "TIOCGWINSZ" in info.cell_reason
    info = graphics._decide("auto", _Answered(ProbeResult(answered=False)), None)
    assert info.renderer == "halfcell" and "did not answer" in info.reason
    assert info.cell_size == (10, 20) and "assumed" in info.cell_reason
    monkeypatch.setenv("TERM_PROGRAM", "WarpTerminal")
    assert graphics._decide("auto", _Answered(ProbeResult(answered=True, kitty=True)), None).renderer == "halfcell"
    monkeypatch.setenv("TEXTUAL_CELL_WIDTH", "7")
    monkeypatch.setenv("TEXTUAL_CELL_HEIGHT", "14")
    assert graphics._decide("sixel", None, None).cell_size == (7, 14)


def test_textual_image_is_loaded_with_our_decision_and_never_probes_itself():
    """In a real terminal (a pty), loading textual-image after our decision writes no query to the terminal
    and uses our renderer and cell size."""
    code = textwrap.dedent("""
        import sys
        from tui_notebook.ui.media import graphics
        graphics._state = graphics.GraphicsInfo("auto", "halfcell", "test", (7, 15), "test")
        assert sys.__stdout__.isatty()
        widgets = graphics.load_widgets()
        import textual_image.renderable as r
        from textual_image._terminal import get_cell_size
        sys.stderr.write(f"RESULT {r.Image.__name__}:{r.Image is r.HalfcellImage} {tuple(get_cell_size())} "
                         f"{graphics.image_widget_class('halfcell').__name__} {sys.__stdout__.isatty()}\\n")
    """)
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        written = b""
        while proc.poll() is None or select.select([master], [], [], 0.05)[0]:
            if select.select([master], [], [], 0.05)[0]:
                try:
                    written += os.read(master, 4096)
                except OSError:
                    break
        err = proc.stderr.read().decode()
        proc.wait(timeout=30)
    finally:
        os.close(master)
    assert proc.returncode == 0, err
    assert "RESULT Image:True (7, 15) HalfcellImage True" in err, err
    assert b"\x1b[c" not in written and b"\x1b_G" not in written and b"\x1b[16t" not in written


async def test_images_arrive_after_the_first_paint_when_textual_image_is_not_loaded(tmp_path, monkeypatch):
    """The notebook is drawn without waiting for textual-image: the image box (already its final size) says
    loading, and the picture replaces it once the worker has loaded the library and decoded the image."""
    path = media_notebook(tmp_path, evil=False)
    monkeypatch.setattr(graphics, "_widgets", None)
    loads = []
    real_load = graphics.load_widgets

    def counting_load():
        if graphics._widgets is None:  # a call that has to import the library, not a cached lookup
            loads.append(threading.current_thread().name)
        return real_load()

    monkeypatch.setattr(graphics, "load_widgets", counting_load)
    app = TuinbApp(Notebook.open(path), graphics="halfcell")
    async with app.run_test(size=(90, 40)) as pilot:
        preview = app.query_one(ImagePreview)
        size = (preview.cols, preview.rows)
        assert not preview.query(".image") or loads  # not drawn in the first frame unless already loaded
        await wait_for(pilot, lambda: bool(preview.query(".image")))
        assert type(preview.query_one(".image")).__name__ == "HalfcellImage"
        assert (preview.cols, preview.rows) == size  # nothing around it moved
        assert loads and all(name != "MainThread" for name in loads)  # loaded in a worker, not the UI thread
        audio = app.query_one(AudioPreview)
        await wait_for(pilot, lambda: audio.info is not None)


def test_bad_document_restores_the_terminal(tmp_path):
    """Start-up that stops early (unreadable file) still puts the terminal back after the probe."""
    bad = tmp_path / "bad.aiconfig.json"
    bad.write_text("{ not json")
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    try:
        proc = subprocess.run([sys.executable, "-m", "tui_notebook", str(bad)], stdin=slave, stdout=slave,
                              stderr=subprocess.PIPE, timeout=60, env={**os.environ, "TUINB_GRAPHICS": "auto"})
        after = termios.tcgetattr(slave)
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 2
    assert f"{Path(bad).name}:1:3" in proc.stderr.decode()
    assert after == before


def test_answers_waiting_past_the_deadline_are_still_read(terminal):
    """Start-up slower than the timeout must not leave the answer for the app to read as keys (``?``)."""
    term = terminal(b"\x1b[?1;2c")
    probe = TerminalProbe(term.slave, term.slave)
    assert probe.start()
    term.answer().join(2)
    time.sleep(0.3)
    result = probe.finish(timeout=0.1)
    assert result.answered
    assert not select.select([term.slave], [], [], 0.05)[0]  # nothing left over for the app
