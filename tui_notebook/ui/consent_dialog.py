"""The question a run's ``needs_consent`` outcome asks: may this cell send a credential to a host, upload a file
from outside the notebook's folder, fetch from a local-network address?

It names each variable and host (hosts as tuinb parsed them: ASCII, no look-alikes) and warns when a notebook
asks for a variable that is not an API key tuinb knows. Keys: ``o`` allow once, ``a`` always allow (remembered
in the user's data dir, revocable with ``tuinb credentials revoke``), ``n`` / ``escape`` refuse. With only
files and addresses to approve: ``y`` yes (for this session), ``n`` / ``escape`` no. ``enter`` refuses.
"""

from __future__ import annotations

from typing import Iterable

from ..consent import CREDENTIAL, OUTSIDE_FILE, PRIVATE_URL, ConsentItem
from ..secrets import TOKEN_ENV_VARS
from .dialogs import Choice, ChoiceDialog, dialog_css
from .safe_text import markup

ONCE, ALWAYS, SESSION, REFUSE = "once", "always", "session", "refuse"


class ConsentScreen(ChoiceDialog[str]):
    """Result: ``"once"``, ``"always"`` (credentials), ``"session"`` (files / addresses only) or ``"refuse"``."""

    DEFAULT_CSS = dialog_css("ConsentScreen")
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
        super().__init__(title, _message(cell, self.items, key_var))


def _message(cell: str, items: tuple[ConsentItem, ...], key_var: str):  # noqa: ANN202 - textual Content
    lines = []
    for item in items:
        if item.kind == CREDENTIAL:
            line = "Send [b]$shown[/b] to [b]$host[/b]"
            if item.var not in TOKEN_ENV_VARS and item.var != key_var:
                line += ("\n    [bold red]$var is not an API key variable tuinb knows[/]: a notebook from someone "
                         "else asking for it may be trying to steal it")
            lines.append(markup(line, shown="$" + item.var, var=item.var, host=item.host))
        elif item.kind == OUTSIDE_FILE:
            lines.append(markup("Upload [b]$path[/b] (outside the notebook's folder)", path=item.subject))
        elif item.kind == PRIVATE_URL:
            lines.append(markup("Fetch an attachment from [b]$host[/b] (this machine or the local network)",
                                host=item.host))
    head = markup("Cell [b]$cell[/b] would:\n", cell=cell)
    body = head
    for line in lines:
        body = body + markup("  • ") + line + markup("\n")
    if any(item.kind == CREDENTIAL for item in items):
        body = body + markup("\n[dim]Always allow is remembered; see it with tuinb doctor, revoke it with "
                             "tuinb credentials revoke VAR@HOST.[/dim]")
    return body
