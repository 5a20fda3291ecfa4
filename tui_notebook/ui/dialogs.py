"""Small modal dialogs: confirm, quit with unsaved changes, external change, save as, recovery, trust.

Every dialog is a typed ``ModalScreen[T]`` closed with ``dismiss(result)``. Each choice has a button
(mouse) and a one-letter key (underlined in its label); ``escape`` is always the harmless choice.
Push them with ``app.push_screen(Dialog(...), callback)`` or ``await app.push_screen_wait(...)`` from a worker.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from . import keys
from .frames import PacedScreen
from .key_hints import DialogKeyHints
from .safe_text import markup, plain

if TYPE_CHECKING:
    from ..recovery import RecoveryInfo

T = TypeVar("T")


def dialog_css(screen: str) -> str:
    """The same box for every dialog: centred, bordered, buttons right-aligned."""
    return f"""
    {screen} {{
        align: center middle;
        background: $background 60%;
    }}
    {screen} > #dialog {{
        width: 72;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }}
    {screen} #title {{ text-style: bold; width: 100%; margin-bottom: 1; }}
    {screen} #message {{ width: 100%; margin-bottom: 1; }}
    {screen} #problem {{ width: 100%; color: $error; }}
    {screen} #buttons {{ height: auto; width: 100%; align-horizontal: right; }}
    {screen} #buttons Button {{ margin-left: 1; min-width: 10; }}
    """


@dataclass(frozen=True)
class Choice(Generic[T]):
    """One button of a dialog."""

    result: T
    """What ``dismiss`` returns when chosen."""
    label: str
    """Button text; the accelerator letter is underlined with markup, e.g. ``"[u]S[/u]ave"``."""
    key: str
    """The one-letter accelerator."""
    variant: str = "default"
    """Button variant (``primary``, ``error``...)."""


class ChoiceDialog(DialogKeyHints, PacedScreen, ModalScreen[T]):
    """A title, a message and a row of choices. Subclasses set ``CHOICES``, ``ESCAPE`` and ``FOCUS``."""

    DEFAULT_CSS = dialog_css("ChoiceDialog")

    CHOICES: list[Choice] = []
    """The buttons, left to right."""
    ESCAPE: object = None
    """Result of ``escape`` (the choice that loses nothing)."""
    FOCUS: int = 0
    """Index of the button focused on open (``enter`` presses it)."""

    BINDINGS = keys.bindings("dialog")

    def __init__(self, title: str, message: str | Content) -> None:
        super().__init__()
        self.dialog_title = title
        """Bold first line of the dialog."""
        self.message = message
        """Body text: our markup, with file and user text put in through ``safe_text.markup``."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.dialog_title, id="title")
            yield from self.compose_message()
            with Horizontal(id="buttons"):
                for index, choice in enumerate(self.CHOICES):
                    yield Button(choice.label, variant=choice.variant, id=f"choice-{index}")  # type: ignore[arg-type]

    def compose_message(self) -> ComposeResult:
        """The body; a dialog whose text has indented parts lays them out as widgets of their own."""
        yield Static(self.message, id="message")

    def on_mount(self) -> None:
        self.query_one(f"#choice-{self.FOCUS}", Button).focus()

    def on_key(self, event) -> None:  # noqa: ANN001 - textual.events.Key
        # Accelerators are handled here rather than as BINDINGS because each subclass has its own
        # letters; the letters are shown underlined in the button labels.
        for choice in self.CHOICES:
            if event.key == choice.key:
                event.stop()
                self.dismiss(choice.result)
                return

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        index = int((event.button.id or "choice-0").removeprefix("choice-"))
        self.dismiss(self.CHOICES[index].result)

    def action_cancel(self) -> None:
        self.dismiss(self.ESCAPE)  # type: ignore[arg-type]


class ConfirmScreen(ChoiceDialog[bool]):
    """Yes or no. Result: True for yes; ``escape`` and ``n`` give False."""

    CHOICES = [Choice(True, "[u]Y[/u]es", "y", "primary"), Choice(False, "[u]N[/u]o", "n")]
    ESCAPE = False

    def __init__(self, title: str, message: str | Content) -> None:
        super().__init__(title, message)


class ResetDemoScreen(ConfirmScreen):
    """``tuinb demo --reset`` on an existing demo notebook: write it afresh? Result: True for yes."""

    FOCUS = 1  # the user's edits are lost on yes: a stray `enter` keeps them

    def __init__(self, path: object) -> None:
        super().__init__("Reset the demo notebook?",
                         markup("Write $path afresh? Your edits and outputs in it are lost.", path=str(path)))


class WrongTypeScreen(ConfirmScreen):
    """An attachment whose type does not fit the cell's task: attach it anyway? Result: True for yes."""

    FOCUS = 1  # the question is a warning: a stray `enter` (the path box's own is a key away) attaches nothing

    def __init__(self, why: str) -> None:
        super().__init__("Attach a file of the wrong type?", markup("$why. Attach it anyway?", why=why))


class SendAnywayScreen(ConfirmScreen):
    """A prompt with empty references or dropped text: send it anyway? Result: True for yes (``y``)."""

    FOCUS = 1  # the question is a warning: a stray `enter` sends nothing


class QuitScreen(ChoiceDialog[str]):
    """Quit with unsaved changes. Result: ``"save"``, ``"discard"`` or ``"cancel"``."""

    CHOICES = [
        Choice("save", "[u]S[/u]ave and quit", "s", "primary"),
        Choice("discard", "[u]D[/u]iscard changes", "d", "error"),
        Choice("cancel", "[u]C[/u]ancel", "c"),
    ]
    ESCAPE = "cancel"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "Unsaved changes",
            markup("This notebook has changes that are not saved.$detail", detail=f"\n{detail}" if detail else ""),
        )


class ExternalChangeScreen(ChoiceDialog[str]):
    """The file changed on disk since it was opened. Result: ``"overwrite"``, ``"reload"``,
    ``"save_as"`` or ``"cancel"``."""

    CHOICES = [
        Choice("overwrite", "[u]O[/u]verwrite", "o", "error"),
        Choice("reload", "[u]R[/u]eload", "r", "warning"),
        Choice("save_as", "Save [u]a[/u]s…", "a", "primary"),
        Choice("cancel", "[u]C[/u]ancel", "c"),
    ]
    ESCAPE = "cancel"
    FOCUS = 2  # saving elsewhere loses nobody's work, so it is what a stray `enter` does

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        """The notebook file that changed."""
        super().__init__(
            "File changed on disk",
            markup("[b]$path[/b] changed since it was opened (another editor, git pull…).\n\n"
                   "[b]Overwrite[/b] replaces it with this notebook; [b]Reload[/b] drops your unsaved changes and "
                   "loads the file; [b]Save as[/b] keeps both.", path=self.path),
        )


class RecoveryScreen(ChoiceDialog[str]):
    """Offer a recovery file found on open. Result: ``"restore"`` or ``"discard"``.

    ``escape`` restores: restoring only loads the edits as unsaved changes (the notebook file is not
    touched until the user saves), while discarding deletes the only copy of that work.
    """

    CHOICES = [
        Choice("restore", "[u]R[/u]estore", "r", "primary"),
        Choice("discard", "[u]D[/u]iscard", "d", "error"),
    ]
    ESCAPE = "restore"

    def __init__(self, info: RecoveryInfo) -> None:
        self.info = info
        """The recovery file found by ``recovery.find_recovery``."""
        when = _dt.datetime.fromtimestamp(info.mtime).strftime("%Y-%m-%d %H:%M:%S")
        target = str(info.notebook_path) if info.notebook_path else "an unsaved notebook"
        cells = f"{info.prompt_count} cell{'s' if info.prompt_count != 1 else ''}"
        super().__init__(
            "Recover unsaved changes?",
            markup("tuinb did not close cleanly. Unsaved changes to $target were kept in\n"
                   "[b]$path[/b]\n(saved $when, $cells).\n\n"
                   "[b]Restore[/b] loads them as unsaved changes; [b]Discard[/b] deletes them.",
                   target=target, path=info.path, when=when, cells=cells),
        )


class TrustScreen(ChoiceDialog[bool]):
    """Ask before running a notebook's own ``model_parsers.py``. Result: True to trust it."""

    CHOICES = [
        Choice(True, "[u]T[/u]rust and load", "t", "warning"),
        Choice(False, "[u]D[/u]on't trust", "d", "primary"),
    ]
    ESCAPE = False
    FOCUS = 1  # running code is the one choice that must be made on purpose

    def __init__(self, path: Path, sha256: str) -> None:
        self.path = Path(path)
        """The plugin file."""
        self.sha256 = sha256
        """Its full SHA-256, as recorded when trusted."""
        super().__init__(
            "Trust this model_parsers.py?",
            markup("This notebook comes with Python code that registers model parsers:\n\n"
                   "  [b]$path[/b]\n  SHA-256 $sha256\n\n"
                   "Trusting it runs that code with your permissions, now and whenever this exact file (same "
                   "hash) is opened again; any change to the file asks again. Without trust, the notebook opens "
                   "and its cells using those parsers show but do not run.", path=self.path, sha256=sha256),
        )


class FormDialog(DialogKeyHints, PacedScreen, ModalScreen[T]):
    """A dialog with fields of its own: ``escape`` and its ``#cancel`` button close it with None (nothing
    changes). Subclasses bind ``escape`` to ``cancel``."""

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)  # type: ignore[arg-type]

    def action_cancel(self) -> None:
        self.dismiss(None)  # type: ignore[arg-type]


def shown_folder(folder: Path) -> str:
    """``folder`` as a person reads it: absolute (never ``.``), the home folder written as ``~``."""
    folder = Path(os.path.abspath(folder))
    try:
        inside = folder.relative_to(Path.home())
    except (ValueError, RuntimeError):  # outside home, or no home to speak of
        return str(folder)
    return "~" if inside == Path(".") else str(Path("~") / inside)


class SaveAsScreen(FormDialog["Path | None"]):
    """Ask for a file name. Result: the chosen path, or None (``escape`` / Cancel).

    A relative name is taken relative to the folder of ``default``; a name without ``.json``/``.yaml``
    gets ``.aiconfig.json``. Saving over an existing file needs a second ``enter``.
    """

    DEFAULT_CSS = dialog_css("SaveAsScreen")
    BINDINGS = keys.bindings("dialog")

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = Path(default)
        """The suggested path (usually the notebook's current path)."""
        self._confirm_overwrite: Path | None = None
        """Set after warning that this path exists; a second submit of the same path overwrites."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Save as", id="title")
            yield Static(markup("File name (relative names go in $folder):", folder=shown_folder(self.default.parent)),
                         id="message")
            yield Input(str(self.default), id="path")
            yield Static("", id="problem", classes="tuinb-error")
            with Horizontal(id="buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def target(self) -> Path | None:
        """The path the input names, after the rules above; None if empty."""
        text = self.query_one("#path", Input).value.strip()
        if not text:
            return None
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.default.parent / path
        if path.suffix.lower() not in (".json", ".yaml", ".yml"):
            path = path.with_name(path.name + ".aiconfig.json")
        return path

    def _problem(self, text: str) -> None:
        self.query_one("#problem", Static).update(plain(text))

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#save")
    def _save(self, event) -> None:  # noqa: ANN001
        event.stop()
        path = self.target()
        if path is None:
            self._problem("Type a file name.")
            return
        if path.is_dir():
            self._problem(f"{path} is a folder; add a file name.")
            return
        if not path.parent.is_dir():
            self._problem(f"The folder {path.parent} does not exist.")
            return
        if path.exists() and self._confirm_overwrite != path:
            self._confirm_overwrite = path
            self._problem(f"{path.name} already exists. Press enter again to overwrite it.")
            return
        self.dismiss(path)

    @on(Input.Changed, "#path")
    def _edited(self) -> None:
        self._confirm_overwrite = None
        self._problem("")
