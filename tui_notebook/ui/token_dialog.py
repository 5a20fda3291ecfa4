"""The Hugging Face token for this session (``H``): the Gradio Notebook's "Enter your HF Token" field.

The token lives in the notebook's run options (``RunOptions.hf_token``) and nowhere else: it is never written to
the notebook, the recovery file, the config or a log, and run errors redact it. Without one, runs use
``HF_TOKEN`` from the environment or the token ``hf auth login`` saved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from ..secrets import HF_TOKEN_VARS as ENV_VARS  # where a Hugging Face token is looked for, in order
from . import keys
from .dialogs import FormDialog, dialog_css
from .safe_text import plain


@dataclass(frozen=True)
class TokenChoice:
    """The dialog's result: a token to use from now on, or ``None`` to stop using the session's token."""

    token: str | None


def token_problem(text: str) -> str | None:
    """Why ``text`` is not a usable token (None: it looks like one). The Gradio Notebook asks for ``hf_``."""
    token = text.strip()
    if not token:
        return "Paste a token (hf_...), or press Clear to stop using one."
    if any(c.isspace() for c in token):
        return "A token has no spaces in it."
    if not token.startswith("hf_"):
        return "Hugging Face tokens start with hf_ (create one at huggingface.co/settings/tokens)."
    return None


def token_status(session_token: str | None) -> str:
    """Which token runs use now, without showing it (plain text: show it with `safe_text.plain`)."""
    if session_token:
        return f"Runs use the token set for this session (hf_…{session_token[-4:]})."
    for var in ENV_VARS:
        if os.environ.get(var):
            return f"Runs use ${var} from the environment."
    try:
        from huggingface_hub.constants import HF_TOKEN_PATH  # constants only: no network, no heavy import

        if os.path.exists(HF_TOKEN_PATH):
            return "Runs use the token saved by `hf auth login`."
    except Exception:  # noqa: BLE001 - huggingface_hub missing: nothing else to look at
        pass
    return "No token: public models only, with low rate limits."


class TokenScreen(FormDialog["TokenChoice | None"]):
    """Result: a :class:`TokenChoice` (Set or Clear), or None (``escape`` / Cancel: nothing changes)."""

    DEFAULT_CSS = dialog_css("TokenScreen") + """
    TokenScreen #status { width: 100%; color: $text-muted; margin-bottom: 1; }
    """
    BINDINGS = keys.bindings("dialog")

    def __init__(self, session_token: str | None) -> None:
        super().__init__()
        self.session_token = session_token
        """The token runs use now (only its last 4 characters are shown)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Hugging Face token", id="title")
            yield Static(plain(token_status(self.session_token)), id="status")
            yield Static("Used for this session's runs only: never saved in the notebook, the config or a log.",
                         id="message")
            yield Input(password=True, placeholder="hf_...", id="token")
            yield Static("", id="problem")
            with Horizontal(id="buttons"):
                yield Button("Set", variant="primary", id="set")
                yield Button("Clear", id="clear", disabled=not self.session_token)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#token", Input).focus()

    @on(Input.Submitted, "#token")
    @on(Button.Pressed, "#set")
    def _set(self, event) -> None:  # noqa: ANN001
        event.stop()
        text = self.query_one("#token", Input).value
        problem = token_problem(text)
        if problem is not None:
            self.query_one("#problem", Static).update(plain(problem))
            return
        self.dismiss(TokenChoice(text.strip()))

    @on(Input.Changed, "#token")
    def _edited(self) -> None:
        self.query_one("#problem", Static).update("")

    @on(Button.Pressed, "#clear")
    def _clear(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(TokenChoice(None))
