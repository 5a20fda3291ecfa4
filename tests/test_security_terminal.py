"""Terminal control sequences from files and models are shown inert: none reaches the user's terminal.

Neither Rich nor Textual removes ESC from text, so without ``tui_notebook.sanitize`` a notebook (or a model's
answer) could write the user's clipboard (OSC 52), plant disguised links (OSC 8), move the cursor or clear the
screen (CSI), or send device control strings (DCS). The end-to-end test runs the real ``tuinb`` in a pseudo
terminal and reads every byte the app writes.

    .venv/bin/python -m pytest tests/test_security_terminal.py -q
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_notebook.sanitize import has_controls, safe_any, terminal_safe

EVIL = {
    "osc52": "\x1b]52;c;ZXZpbA==\x07",  # write "evil" to the clipboard
    "osc8": "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # a disguised link
    "csi": "\x1b[2J\x1b[5i\x1b[10;10H",  # clear screen, printer on, cursor move
    "dcs": "\x1bPq#0;2;0;0;0\x1b\\",  # a sixel / device control string
    "c1": "\x9b31m\x9d52;c;eA==\x9c",  # 8-bit CSI, OSC, ST
    "raw": "a\x1bb\x07c\x08d\rE\x00F\x7f",  # lone ESC, BEL, backspace, CR, NUL, DEL
    "bidi": "\u202egnp.exe\u202c \u2066iso\u2069",  # a right-to-left override and an isolate
}
PAYLOAD = "".join(f" {k}:{v}" for k, v in EVIL.items())

# Byte signatures of the payload: none may appear in what the app writes to the terminal.
FORBIDDEN = {
    "OSC 52 clipboard write": b"\x1b]52;",
    "OSC 8 link to the evil host": b"\x1b]8;;http://evil",
    "DCS string": b"\x1bPq",
    "CSI clear screen": b"\x1b[2J",
    "CSI printer on": b"\x1b[5i",
    "8-bit CSI (UTF-8 encoded U+009B)": "\x9b".encode(),
    "8-bit OSC (UTF-8 encoded U+009D)": "\x9d".encode(),
    "right-to-left override": "\u202e".encode(),
    "left-to-right isolate": "\u2066".encode(),
}


# -- the sanitizer itself ------------------------------------------------------------------------------------


def test_every_kind_of_sequence_becomes_visible_and_inert():
    for name, sequence in EVIL.items():
        shown = terminal_safe(f"before {sequence} after")
        assert "\x1b" not in shown, name
        assert not has_controls(shown), name
        assert shown.startswith("before ") and shown.endswith(" after")
    assert terminal_safe("\x1b]52;c;x\x07") == "␛]52;c;x␇"
    assert terminal_safe("\x9b31m") == "\\x9b31m"
    assert terminal_safe("a\rb") == "a␍b"
    assert terminal_safe("\x00\x7f") == "␀␡"


def test_newlines_tabs_and_unicode_are_kept():
    text = "line 1\n\tindented — ünïcödé 中文 🦊\nline 3"
    assert terminal_safe(text) is text  # clean text is not even copied
    assert terminal_safe("a\r\nb\r\n") == "a\nb\n"  # Windows line ends are line ends
    assert safe_any(None) is None and safe_any(3) == 3 and safe_any("\x1b") == "␛"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=200))
def test_no_control_survives_and_nothing_else_changes(text):
    shown = terminal_safe(text)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", shown)
    # Printable characters, newlines and tabs come through in order; every control is replaced, not dropped.
    normal = text.replace("\r\n", "\n")
    keep = [c for c in normal if c in "\n\t" or not (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0)]
    assert _subseq(keep, shown)
    assert len(shown) >= len(normal)


def _subseq(needle: list[str], haystack: str) -> bool:
    it = iter(haystack)
    return all(c in it for c in needle)


@pytest.mark.serial  # a wall-clock bound
def test_a_megabyte_is_cheap():
    text = ("word " * 200 + "\x1b[31m\n") * 1000  # ~1 MB with a control sequence on every line
    started = time.perf_counter()
    shown = terminal_safe(text)
    assert time.perf_counter() - started < 1.0  # milliseconds in practice; a generous bound on a busy machine
    assert "\x1b" not in shown and shown.count("␛[31m") == 1000


# -- `tuinb run` streams model text inert ----------------------------------------------------------------------

EVIL_PARSERS = f'''
from tui_notebook.parser_api import ModelParser, text_output

PAYLOAD = {PAYLOAD!r}

class Evil(ModelParser):
    id = "Evil"
    def run(self, request, ctx):
        ctx.warn("WARN" + PAYLOAD)
        ctx.stream("STREAM" + PAYLOAD)
        ctx.stream(" more")
        return [text_output("OUT" + PAYLOAD)]

class EvilQuiet(ModelParser):
    id = "EvilQuiet"
    def run(self, request, ctx):
        return [text_output("QUIET" + PAYLOAD)]

def register_model_parsers(registry):
    registry.register(Evil())
    registry.register(EvilQuiet())
'''


def evil_notebook(folder: Path) -> Path:
    doc = {
        "name": "NAME" + PAYLOAD, "schema_version": "latest", "description": "DESC" + PAYLOAD,
        "metadata": {"parameters": {"gp": "GLOBAL" + PAYLOAD}, "models": {"MODEL" + PAYLOAD: {"k": "v"}}},
        "prompts": [
            {"name": "cell" + EVIL["csi"], "input": "INPUT" + PAYLOAD,
             "metadata": {"model": {"name": "Evil", "settings": {"model": "SETTING" + PAYLOAD}},
                          "parameters": {"lp": "LOCAL" + PAYLOAD}},
             "outputs": [{"output_type": "execute_result", "execution_count": 0, "data": "SAVED" + PAYLOAD,
                          "metadata": {}},
                         {"output_type": "error", "ename": "E" + EVIL["osc52"], "evalue": "ERRVAL" + PAYLOAD,
                          "traceback": []}]},
            {"name": "quiet", "input": "q", "metadata": {"model": "EvilQuiet"}},
        ],
    }
    path = folder / "evil.aiconfig.json"
    path.write_text(json.dumps(doc))
    (folder / "model_parsers.py").write_text(EVIL_PARSERS)
    return path


def assert_inert(data: bytes, where: str) -> None:
    for what, signature in FORBIDDEN.items():
        assert signature not in data, f"{what} from the notebook/model reached {where}"


def test_tuinb_run_streams_model_text_inert(tmp_path):
    path = evil_notebook(tmp_path)
    result = subprocess.run([sys.executable, "-m", "tui_notebook", "run", str(path), "--all", "--trust-parsers",
                             "--keep-going"], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"\x1b" not in result.stdout and b"\x1b" not in result.stderr
    assert_inert(result.stdout + result.stderr, "`tuinb run` output")
    out, err = result.stdout.decode(), result.stderr.decode()
    assert "STREAM osc52:␛]52;c;ZXZpbA==␇ osc8:␛]8;;http://evil.example/" in out  # shown, visibly, not obeyed
    assert "QUIET osc52:␛]52;c;ZXZpbA==␇ osc8:␛]8;;http://evil.example/" in out  # a non-streamed output goes the same way
    assert "WARN osc52:␛]52;c;ZXZpbA==␇" in err and " csi:␛[2J␛[5i" in err  # warnings on stderr too
    assert "cell␛[2J" in err  # and the cell's name in the "── cell (model)" line
    # --json keeps the exact data (JSON escapes the controls itself).
    exact = subprocess.run([sys.executable, "-m", "tui_notebook", "run", str(path), "quiet", "--json",
                            "--trust-parsers"], capture_output=True, timeout=120)
    assert b"\x1b" not in exact.stdout
    assert json.loads(exact.stdout)["quiet"][0]["data"] == "QUIET" + PAYLOAD


def test_tuinb_resolve_prints_inert_text(tmp_path):
    path = evil_notebook(tmp_path)
    result = subprocess.run([sys.executable, "-m", "tui_notebook", "resolve", str(path), "--trust-parsers"],
                            capture_output=True, timeout=120)
    assert b"\x1b" not in result.stdout and b"\x1b" not in result.stderr
    assert "INPUT osc52:␛]52" in result.stdout.decode()


# -- the real app in a pseudo terminal ------------------------------------------------------------------------

_CSI_OR_OSC = re.compile(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def _plain(data: bytes) -> str:
    """What a person would read: the app's own escape sequences stripped (for waiting on text only)."""
    return _CSI_OR_OSC.sub(b"", data).decode("utf-8", errors="replace")


class PtyApp:
    """``tuinb FILE`` in a pseudo terminal; every byte it writes is kept."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        import pty

        self.output = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, "-m", "tui_notebook", *args], env)
        import fcntl
        import struct
        import termios

        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.fd, 1 << 16)
                except OSError:
                    return
                if not chunk:
                    return
                self.output += chunk

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while text not in _plain(self.output):
            if time.monotonic() > end:
                tail = _plain(self.output)[-1500:]
                raise AssertionError(f"timed out waiting for {text!r} on screen; last screen text:\n{tail}")
            self.pump(0.1)

    def press(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.mark.slow
def test_real_app_shows_file_and_model_text_inert(tmp_path):
    path = evil_notebook(tmp_path)
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", "TEXTUAL_ANIMATIONS": "none"}
    app = PtyApp([str(path), "--trust-parsers"], tmp_path, env)
    try:
        # First paint: notebook name, description, cell name, input, saved text output and error output.
        app.wait_for("ERRVAL osc52:␛]52;c;ZXZpbA==␇")
        for seen in ("NAME osc52:␛]52", "DESC osc52:␛]52", "INPUT osc52:␛]52", "SAVED osc52:␛]52", "cell␛[2J"):
            app.wait_for(seen, timeout=20)
        app.press("r")  # run the cell: streamed chunks, a warning notification, a new output
        app.wait_for("OUT osc52:␛]52")
        app.wait_for("WARN osc52:␛]52")
        app.press("s")  # the sidebar: settings form (Input widgets) and local parameters
        app.wait_for("SETTING osc52:␛]52")
        app.pump(0.5)
        app.press("\x1b")  # the focus is in the sidebar's first field: back to the cell
        app.pump(1.5)
        app.press("g")  # the global parameters panel
        app.wait_for("GLOBAL osc52:␛]52")
        app.press("\x1b")
        app.pump(1.5)  # a lone ESC and the next key within the escape timeout read as alt+key: keep them apart
        app.press("M")  # global model settings: the model names from the file, in the list and as a title
        app.wait_for("MODEL osc52:␛]52")
        app.press("\x1b")
        app.pump(1.5)
        app.press("\x1bj")  # alt+j: the outputs as JSON, in a read-only TextArea
        app.wait_for('"data": "OUT osc52:\\u001b]52')  # JSON escapes controls; the run replaced the saved output
        app.press("\x1b")
        app.pump(0.5)
        app.press("\r")  # edit mode: the prompt editor (TextArea) shows the raw input
        app.pump(2.0)
    finally:
        app.close()
    assert_inert(app.output, "the terminal")
    # The only OSC the app itself sends is 22 (pointer shape); anything else came from the content.
    oscs = set(re.findall(rb"\x1b\](\d*)", app.output))
    assert oscs <= {b"22"}, oscs


def test_file_text_in_widgets_is_never_read_as_markup():
    """Rich's escape() let file text like this through to Textual's markup parser, which raised MarkupError and
    took the screen down (found with a model name from the file in the global model settings)."""
    from textual.markup import MarkupError, to_content

    from tui_notebook.sanitize import terminal_safe
    from tui_notebook.ui.safe_text import markup, plain

    hostile = "MODEL" + PAYLOAD + " [b]not bold[/b] [@click=app.quit]x[/] $name"
    shown = terminal_safe(hostile)
    with pytest.raises(MarkupError):
        from rich.markup import escape
        to_content(escape(shown))
    assert plain(hostile).plain == shown
    message = markup("Cell [b]$cell[/b] would upload $files", cell=hostile, files="/tmp/a[1=\\x9c]")
    assert message.plain == f"Cell {shown} would upload /tmp/a[1=\\x9c]"
    assert "\x1b" not in message.plain and "\x9b" not in message.plain


# -- every command's messages: names, keys and paths from the file shown inert ------------------------------

TITLE = "\x1b]0;pwned\x07"  # OSC 0: set the terminal's title
CLIP = "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: put a shell command on the clipboard
CLEAR = "\x1b[2J"  # CSI: clear the screen
BIDI = "\u202egnp.exe\u202c"  # a right-to-left override: reads as "exe.png"
ISOLATE = "\u2067x\u2069"
HOSTILE = f"{TITLE}{CLIP}{CLEAR}{BIDI}{ISOLATE}\x9b1m"

# What must never reach the terminal from the file: ESC, BEL, C1 and the bidirectional controls.
_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_no_raw_controls(result: subprocess.CompletedProcess, where: str) -> None:
    for stream, data in (("stdout", result.stdout), ("stderr", result.stderr)):
        text = data.decode("utf-8", errors="replace")
        found = _RAW.search(text)
        assert found is None, f"{where} wrote {found.group()!r} to {stream}: {text[-800:]!r}"


def tuinb_cli(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_notebook", *map(str, args)], capture_output=True,
                          stdin=subprocess.DEVNULL, cwd=cwd, timeout=120)


def hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / f"dir{HOSTILE}"
    folder.mkdir()
    return folder


def hostile_notebook(folder: Path) -> Path:
    """Valid, but with hostile names everywhere: two cells of the same name, an unknown model, a reference to a
    parameter that does not exist; in a folder and under a file name that carry the same sequences."""
    doc = {
        "name": "nb" + HOSTILE, "schema_version": "latest", "description": "d" + HOSTILE,
        "metadata": {"parameters": {}, "models": {}},
        "prompts": [
            {"name": "cell" + HOSTILE, "input": "hello {{missing" + HOSTILE + "}}",
             "metadata": {"model": {"name": "model" + HOSTILE}}},
            {"name": "other" + HOSTILE, "input": "again", "metadata": {"model": "model" + HOSTILE}},
            {"name": "other" + HOSTILE, "input": "and again"},
        ],
    }
    path = folder / f"nb{HOSTILE}.aiconfig.json"
    path.write_text(json.dumps(doc))
    return path


def invalid_notebook(folder: Path) -> Path:
    """Invalid: a model entry keyed by a hostile name is not an object; a prompt misses its input."""
    doc = {"name": "bad", "metadata": {"models": {"key" + HOSTILE: 5}},
           "prompts": [{"name": "cell" + HOSTILE, "metadata": {}}]}
    path = folder / f"bad{HOSTILE}.aiconfig.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.slow
def test_no_command_prints_a_hostile_name_key_or_path_raw(tmp_path):
    folder = hostile_folder(tmp_path)
    good, bad = hostile_notebook(folder), invalid_notebook(folder)
    bad_yaml = folder / f"bad{HOSTILE}.aiconfig.yaml"
    bad_yaml.write_text(f"name: x\nprompts: [\n  {{name: 'c{HOSTILE}', input: [\n")
    runs = {
        "validate (warnings)": (["validate", good], "cell␛]0;pwned␇"),
        "validate (errors)": (["validate", bad, bad_yaml], "key␛]0;pwned␇"),
        "fmt (invalid file)": (["fmt", bad], "key␛]0;pwned␇"),
        "resolve": (["resolve", good], "missing␛]0;pwned␇"),
        "resolve one prompt": (["resolve", good, "cell" + HOSTILE], "missing␛]0;pwned␇"),
        "resolve --json": (["resolve", good, "--json"], "cell"),
        "run (unknown model)": (["run", good, "--all", "--keep-going"], "cell␛]0;pwned␇"),
        "run (no such prompt)": (["run", good, "nope" + HOSTILE], "no prompt named 'nope"),
        "run --json": (["run", good, "--all", "--json"], "cell␛]0;pwned␇"),
        "export": (["export", good, "--format", "md"], "nb␛]0;pwned␇"),
        "export (invalid file)": (["export", bad], "key␛]0;pwned␇"),
        "space": (["space", good, "-o", folder / f"space{HOSTILE}"], "space␛]0;pwned␇"),
        "open (invalid file)": (["open", bad], "key␛]0;pwned␇"),
        "FILE (invalid file)": ([bad], "\\u202egnp.exe\\u202c"),
        "open (not a file)": ([folder], "dir␛]0;pwned␇"),
    }
    for where, (args, shown) in runs.items():
        result = tuinb_cli(*args, cwd=folder)
        assert_no_raw_controls(result, f"`tuinb {where}`")
        out = (result.stdout + result.stderr).decode()
        assert shown in out, f"`tuinb {where}` did not show the name inert: {out[-800:]}"
        assert "Traceback" not in out, f"`tuinb {where}` crashed: {out[-1500:]}"
    # What export and space write is read in terminals too (`cat NAME.md`, the Space's README).
    written = [*folder.glob("*.md"), *folder.glob(f"space{HOSTILE}/*.md")]
    assert len(written) == 2
    for path in written:
        found = _RAW.search(path.read_text())
        assert found is None, f"{path.name} holds {found.group()!r}"


@pytest.mark.slow
def test_doctor_shows_hostile_paths_and_config_inert(tmp_path):
    from tui_notebook import paths
    from tui_notebook.plugins import trust

    folder = hostile_folder(tmp_path)
    parsers = folder / "model_parsers.py"
    parsers.write_text("def register_model_parsers(registry):\n    pass\n")
    trust(parsers)  # doctor lists trusted files by path
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    escaped = json.dumps(HOSTILE)  # a TOML basic string takes JSON's escapes
    paths.config_file().write_text(f'theme = {escaped}\ngraphics = {escaped}\n[keymap]\n{escaped} = {escaped}\n')
    result = tuinb_cli("doctor")
    assert_no_raw_controls(result, "`tuinb doctor`")
    assert "dir␛]0;pwned␇" in result.stdout.decode()
    assert f"recovery files: {paths.recovery_dir()}" in result.stdout.decode()  # where to look after a crash


def test_bidirectional_controls_are_shown_inert():
    assert terminal_safe(f"a{BIDI}b") == "a\\u202egnp.exe\\u202cb"
    assert terminal_safe("\u202a\u202b\u202d\u2066\u2068") == "\\u202a\\u202b\\u202d\\u2066\\u2068"
    assert has_controls("\u2069") and not has_controls("\u200d emoji 👩‍💻 and العربية")
    from tui_notebook.sanitize import json_terminal_safe

    text = json.dumps({"k": HOSTILE + "é"}, ensure_ascii=False)
    shown = json_terminal_safe(text)
    assert _RAW.search(shown) is None and json.loads(shown) == {"k": HOSTILE + "é"}
