"""The question a run's ``needs_consent`` outcome asks: may this cell send a credential to a host, upload a file
from outside the notebook's folder, fetch from a local-network address?

It names each variable and host (hosts as tuinb parsed them: ASCII, no look-alikes) and warns when a notebook
asks for a variable that is not an API key tuinb knows. Keys: ``o`` allow once, ``a`` always allow (remembered
in the user's data dir, revocable with ``tuinb credentials revoke``), ``n`` / ``escape`` refuse. With only
files and addresses to approve: ``y`` yes (for this session), ``n`` / ``escape`` no. ``enter`` refuses.
"""

from __future__ import annotations

from typing import Iterable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from ..consent import CREDENTIAL, OUTSIDE_FILE, PRIVATE_URL, ConsentItem
from ..secrets import TOKEN_ENV_VARS
from .dialogs import Choice, ChoiceDialog, dialog_css
from .safe_text import markup

ONCE, ALWAYS, SESSION, REFUSE = "once", "always", "session", "refuse"


class ConsentScreen(ChoiceDialog[str]):
    """Result: ``"once"``, ``"always"`` (credentials), ``"session"`` (files / addresses only) or ``"refuse"``."""

    DEFAULT_CSS = dialog_css("ConsentScreen") + """
    ConsentScreen #message { height: auto; }
    ConsentScreen .consent-item { height: auto; width: 100%; }
    ConsentScreen .consent-bullet { width: 4; }
    ConsentScreen .consent-text { height: auto; width: 1fr; }
    ConsentScreen .consent-foot { margin-top: 1; }
    """
    ESCAPE = REFUSE

    def __init__(self, cell: str, items: Iterable[ConsentItem], key_var: str = "OPENAI_API_KEY") -> None:
        self.items = tuple(items)
        """What the run needs approved."""
        credentials = [i for i in self.items if i.kind == CREDENTIAL]
        if credentials:
            self.CHOICES = [Choice(ONCE, "Allow [u]o[/u]nce", "o", "warning"),
                            Choice(ALWAYS, "[u]A[/u]lways allow", "a", "error"),
                            Choice(REFUSE, "[u]N[/u]o, don't send", "n", "primary")]
        else:
            self.CHOICES = [Choice(SESSION, "[u]Y[/u]es", "y", "warning"), Choice(REFUSE, "[u]N[/u]o", "n", "primary")]
        self.FOCUS = len(self.CHOICES) - 1  # a stray enter refuses
        title = "Send a credential?" if credentials else "Reach outside the notebook?"
        self.cell, self.key_var = cell, key_var
        super().__init__(title, _message(cell, self.items, key_var))

    def compose_message(self) -> ComposeResult:
        # Each bullet is a row (bullet, then its text in a column of its own), so wrapped lines keep their
        # hanging indent at any width.
        with Vertical(id="message"):
            yield Static(_head(self.cell))
            for item in self.items:
                with Horizontal(classes="consent-item"):
                    yield Static("  • ", classes="consent-bullet")
                    with Vertical(classes="consent-text"):
                        for part in _bullet(item, self.key_var):
                            yield Static(part)
            if any(item.kind == CREDENTIAL for item in self.items):
                yield Static(_FOOT, classes="consent-foot")


_FOOT = markup("[dim]Always allow is remembered; see it with tuinb doctor, revoke it with "
               "tuinb credentials revoke VAR@HOST.[/dim]")


def _head(cell: str) -> Content:
    return markup("Cell [b]$cell[/b] would:", cell=cell)


def _bullet(item: ConsentItem, key_var: str) -> list[Content]:
    """One approval's text: its line, and under it a warning when there is one."""
    if item.kind == CREDENTIAL:
        parts = [markup("Send [b]$shown[/b] to [b]$host[/b]", shown="$" + item.var, host=item.host)]
        if item.var not in TOKEN_ENV_VARS and item.var != key_var:
            parts.append(markup("[bold red]$var is not an API key variable tuinb knows[/]: a notebook from someone "
                                "else asking for it may be trying to steal it", var=item.var))
        return parts
    if item.kind == OUTSIDE_FILE:
        return [markup("Upload [b]$path[/b] (outside the notebook's folder)", path=item.subject)]
    if item.kind == PRIVATE_URL:
        return [markup("Fetch an attachment from [b]$host[/b] (this machine or the local network)", host=item.host)]
    return []


def _message(cell: str, items: tuple[ConsentItem, ...], key_var: str) -> Content:
    """The whole text in one piece (what the dialog says, for logs and tests; the dialog lays it out in rows)."""
    body = _head(cell) + markup("\n")
    for item in items:
        parts = _bullet(item, key_var)
        if parts:
            body = body + markup("  • ") + parts[0]
            for part in parts[1:]:
                body = body + markup("\n    ") + part
            body = body + markup("\n")
    if any(item.kind == CREDENTIAL for item in items):
        body = body + markup("\n") + _FOOT
    return body
