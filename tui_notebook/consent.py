"""What a run may do only with the user's consent, and the per-run gate parsers go through.

Three things leave the machine, or reach inside the network, only when the user agreed:

* a credential (an environment variable's value, the Hugging Face token) sent to a host (:mod:`.secrets`);
* a local file from outside the notebook's folder uploaded by a remote cell;
* a URL attachment fetched from a non-public address (loopback, private, link-local...).

The engine asks before a run: what is missing comes back as a ``needs_consent`` outcome (and a
``RunNeedsConsent`` event) listing :class:`ConsentItem` s; nothing ran. Whoever started the run answers by
running again with those items granted (the app after its dialog, ``tuinb run`` with its ``--allow-…``
flags). A parser obtains secrets and addresses only through the :class:`RunGate` of its request, which
refuses anything not granted: a code path that forgot to ask still cannot send a credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from . import secrets
from .parser_api import NotRunnable

CREDENTIAL = "credential"
OUTSIDE_FILE = "outside_file"
PRIVATE_URL = "private_url"


@dataclass(frozen=True)
class ConsentItem:
    """One thing a run needs the user's yes for. ``subject`` is ``VAR@host`` (credential), the file's path
    (outside file) or ``host`` (private URL); it is plain ASCII for credentials and hosts."""

    kind: str
    subject: str

    @property
    def var(self) -> str:
        return self.subject.partition("@")[0] if self.kind == CREDENTIAL else ""

    @property
    def host(self) -> str:
        if self.kind == CREDENTIAL:
            return self.subject.partition("@")[2]
        return self.subject if self.kind == PRIVATE_URL else ""

    @property
    def flag(self) -> str:
        """The ``tuinb run`` option that grants it."""
        if self.kind == CREDENTIAL:
            return f"--allow-credential {self.subject}"
        if self.kind == PRIVATE_URL:
            return "--allow-private-urls"
        return "--allow-outside-files"

    def describe(self) -> str:
        if self.kind == CREDENTIAL:
            return f"send ${self.var} to {self.host}"
        if self.kind == PRIVATE_URL:
            return f"fetch an attachment from {self.host}, a local or private network address"
        return f"upload {self.subject}, which is outside the notebook's folder"


def refusal_message(cell: str, items: Iterable[ConsentItem]) -> str:
    """Why a headless run did not happen, and the flags that would let it."""
    items = list(items)
    what = "; ".join(item.describe() for item in items)
    flags = " ".join(dict.fromkeys(item.flag for item in items))
    return (f"cell {cell!r} was not run: it would {what}, which you have not approved. Approve it in the app, "
            f"or pass {flags} to tuinb run")


class NeedsConsent(NotRunnable):
    """Raised through the gate when a run reaches for something not granted; the engine turns it into a
    ``needs_consent`` outcome (nothing is stored in the cell)."""

    def __init__(self, items: Iterable[ConsentItem], cell: str = "") -> None:
        self.items = tuple(items)
        super().__init__(refusal_message(cell or "this", self.items))


@dataclass(frozen=True)
class RunGate:
    """What one run may send and fetch. Built by the engine for each run; parsers ask it, never ``os.environ``."""

    granted: frozenset[ConsentItem] = frozenset()
    """Items the user granted for this run (an answer in the app, or ``--allow-…`` flags)."""
    session_token: str | None = None
    """The Hugging Face token set in the app for this session (``RunOptions.hf_token``)."""
    use_store: bool = True
    """Also honour the approvals remembered in the user's data dir."""
    allow_private_urls: bool = False
    """Fetch URL attachments from any address (``--allow-private-urls``)."""

    # -- credentials -------------------------------------------------------------------------------------------

    def allowed(self, var: str, dest: secrets.Destination) -> bool:
        if dest.plain_http_elsewhere:
            return False
        if secrets.allowed_by_default(var, dest) or ConsentItem(CREDENTIAL, f"{var}@{dest.key}") in self.granted:
            return True
        return self.use_store and secrets.ApprovalStore().contains(var, dest.key)

    def credential_item(self, var: str, url: str) -> ConsentItem | None:
        """What must be approved before ``var`` can go to ``url`` (None: nothing to send, or nothing to ask:
        unset, already approved, or plain http that never carries it)."""
        dest = secrets.destination(url)
        if dest is None or dest.plain_http_elsewhere or not secrets.value_of(var, self.session_token):
            return None
        if self.allowed(var, dest):
            return None
        return ConsentItem(CREDENTIAL, f"{var}@{dest.key}")

    def credential(self, var: str, url: str, warn: Callable[[str], None] | None = None) -> str | None:
        """The value of ``var`` if it may go to ``url``; None when unset or when ``url`` is plain http to another
        machine (``warn`` says so); raises :class:`NeedsConsent` when it needs an approval it does not have."""
        value = secrets.value_of(var, self.session_token)
        dest = secrets.destination(url)
        if not value or dest is None:
            return None
        if dest.plain_http_elsewhere:
            if warn is not None:
                warn(f"${var} was not sent to {dest.key}: tuinb never sends a credential over plain http to "
                     "another machine (use https)")
            return None
        if not self.allowed(var, dest):
            raise NeedsConsent([ConsentItem(CREDENTIAL, f"{var}@{dest.key}")])
        return value

    def checked_headers(self, url: str, headers: Mapping[str, str],
                        warn: Callable[[str], None] | None = None) -> dict[str, str]:
        """``headers`` as they may go to ``url``: an Authorization header survives only when the Hugging Face
        token may go there. The last check before a request made by a library that finds tokens on its own."""
        out = dict(headers)
        auth = [k for k in out if k.lower() == "authorization"]
        if not auth:
            return out
        dest = secrets.destination(url)
        if dest is not None and self.allowed(secrets.HF_TOKEN, dest):
            return out
        for key in auth:
            del out[key]
        if warn is not None:
            where = dest.key if dest else "that address"
            warn(f"the Hugging Face token was not sent to {where} (not approved"
                 f"{', plain http' if dest is not None and dest.plain_http_elsewhere else ''})")
        return out

    # -- addresses ---------------------------------------------------------------------------------------------

    def address_allowed(self, host: str) -> bool:
        """May an attachment be fetched from ``host`` (a host key) although it is a non-public address?"""
        return self.allow_private_urls or ConsentItem(PRIVATE_URL, host) in self.granted


def gate_for(options: object, granted: Iterable[ConsentItem] = ()) -> RunGate:
    """The gate of one run: the options' flags (``allowed_credentials``, ``allow_private_urls``) plus ``granted``."""
    items = set(granted)
    for pair in getattr(options, "allowed_credentials", ()) or ():
        try:
            var, host = secrets.parse_pair(pair)
        except ValueError:
            continue
        items.add(ConsentItem(CREDENTIAL, f"{var}@{host}"))
    return RunGate(granted=frozenset(items), session_token=getattr(options, "hf_token", None),
                   allow_private_urls=bool(getattr(options, "allow_private_urls", False)))

