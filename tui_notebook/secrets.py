"""Credentials: which environment variables hold tokens, where each may be sent, what the user approved,
and hiding token values in text.

The rule: a credential is only sent to a destination the user approved. Built in, the Hugging Face token may
go to Hugging Face's own hosts over https; everything else (another variable, another host) needs an approval
for that (variable, host) pair: given once in the app, remembered in the user's data dir, or passed as
``--allow-credential VAR@HOST`` to ``tuinb run``. Plain http to another machine never carries a credential,
approved or not. Approvals name variables and hosts, never values.

Only the standard library is imported at module level (``huggingface_hub`` only to read the saved login token).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

HF_TOKEN = "HF_TOKEN"
"""The name approvals and messages use for the Hugging Face token, wherever it comes from (the app's session
token, the environment, or the token ``hf auth login`` saved)."""

HF_TOKEN_VARS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_HUB_TOKEN", "HUGGING_FACE_API_TOKEN")
"""Environment variables that hold a Hugging Face token; ``huggingface_hub`` reads the first two, in order."""

DEFAULT_API_KEY_VAR = "OPENAI_API_KEY"
"""The variable an OpenAI-compatible cell takes its key from when it names none (config: ``api_key_env``)."""

TOKEN_ENV_VARS = HF_TOKEN_VARS + (DEFAULT_API_KEY_VAR,)
"""Every variable tuinb treats as a token of its own: redacted from messages, listed by ``tuinb doctor``."""

_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_HOST_CHARS = re.compile(r"[a-z0-9.\-]+\Z")
_TOKEN_PATTERNS = (
    re.compile(r"\bhf_[A-Za-z0-9]{6,}"),  # Hugging Face user / org tokens
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),  # OpenAI-style keys
    re.compile(r"(?i)(bearer\s+)[^\s'\",]+"),  # anything sent as a bearer token
)


# -- values -----------------------------------------------------------------------------------------------------


def is_variable_name(name: str) -> bool:
    return bool(_VAR_NAME.match(name))


def hf_token(session_token: str | None = None) -> str | None:
    """The Hugging Face token a run would use: the app's session token, else what huggingface_hub finds
    (``HF_TOKEN``, ``HUGGING_FACE_HUB_TOKEN``, the saved login)."""
    if session_token:
        return session_token
    for name in HF_TOKEN_VARS[:2]:
        value = (os.environ.get(name) or "").strip()
        if value:
            return value
    try:
        from huggingface_hub import get_token

        return get_token() or None
    except Exception:  # noqa: BLE001 - no huggingface_hub, unreadable file: no token
        return None


def value_of(var: str, session_token: str | None = None) -> str | None:
    """The secret a credential name stands for (``HF_TOKEN``: the Hugging Face token from any source)."""
    if var == HF_TOKEN:
        return hf_token(session_token)
    return (os.environ.get(var) or "").strip() or None


def known_secrets(*extra: str | None, env_vars: Iterable[str] = ()) -> list[str]:
    """Token values this process could send: ``extra``, every token variable, ``env_vars``, the saved HF login."""
    found = [s for s in extra if s]
    for name in (*TOKEN_ENV_VARS, *env_vars):
        value = os.environ.get(name)
        if value:
            found.append(value)
    try:  # the cached `hf auth login` token; cheap (reads a small file)
        from huggingface_hub import get_token

        token = get_token()
        if token:
            found.append(token)
    except Exception:  # noqa: BLE001 - redaction must never fail a run
        pass
    return found


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every known secret and anything token-shaped replaced by a placeholder."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "********")
    for pattern in _TOKEN_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "********", text)
        else:
            text = pattern.sub(lambda m: m.group(0)[:3] + "********", text)
    return text


# -- destinations -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where a request goes: scheme, host (lower case, ASCII) and the port when the URL names a non-default one."""

    scheme: str
    host: str
    port: int | None = None

    @property
    def key(self) -> str:
        """``host`` or ``host:port``: what approvals and messages name (IPv6 in brackets). Plain ASCII, so it is
        safe to print."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port else host

    @property
    def loopback(self) -> bool:
        return is_loopback_host(self.host)

    @property
    def plain_http_elsewhere(self) -> bool:
        """Unencrypted to another machine: no credential ever goes there."""
        return self.scheme == "http" and not self.loopback


def _ascii_host(host: str) -> str | None:
    host = host.strip().rstrip(".").lower()
    if not host:
        return None
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    if not _HOST_CHARS.match(host):
        try:
            host = host.encode("idna").decode("ascii")  # homographs and controls show as punycode or fail
        except UnicodeError:
            return None
    return host if _HOST_CHARS.match(host) else None


def destination(url: str) -> Destination | None:
    """The destination of an http(s) URL, or None when it is not one (or its host is not a valid name)."""
    try:
        parts = urllib.parse.urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = _ascii_host(parts.hostname)
    if host is None:
        return None
    # The standard ports name no particular service: ``host`` is the same approval over either scheme.
    return Destination(scheme, host, port if port and port not in (80, 443) else None)


def host_key(text: str) -> str | None:
    """``host`` or ``host:port`` as approvals store it, from what a user typed (a URL works too)."""
    text = text.strip()
    dest = destination(text if "://" in text else f"https://{text}")
    return dest.key if dest else None


def parse_pair(text: str) -> tuple[str, str]:
    """``VAR@HOST`` (as ``--allow-credential`` and ``tuinb credentials revoke`` take it) → (VAR, host key)."""
    var, sep, host = text.strip().partition("@")
    if not sep or not is_variable_name(var):
        raise ValueError(f"expected VAR@HOST (an environment variable name, @, a host), got {text!r}")
    key = host_key(host)
    if key is None:
        raise ValueError(f"{host!r} is not a host name (e.g. api.example.com or 127.0.0.1:8080)")
    return var, key


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def hf_hosts() -> set[str]:
    """Hugging Face's own hosts (huggingface_hub forwards its token to these), plus hosts the user configured with
    ``HF_ENDPOINT`` / ``HF_INFERENCE_ENDPOINT``. Subdomains of huggingface.co are Hugging Face's too."""
    hosts = {"huggingface.co", "hf.co"}
    for name in ("HF_ENDPOINT", "HF_INFERENCE_ENDPOINT"):
        dest = destination(os.environ.get(name) or "")
        if dest is not None:
            hosts.add(dest.key)
    return hosts


def is_hf_host(dest: Destination) -> bool:
    return dest.key in hf_hosts() or (dest.port is None and dest.host.endswith(".huggingface.co"))


def allowed_by_default(var: str, dest: Destination) -> bool:
    """The Hugging Face token to Hugging Face over https. Nothing else is sent without an approval."""
    return var in HF_TOKEN_VARS and dest.scheme == "https" and is_hf_host(dest)


# -- approvals --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    var: str
    host: str
    approved_at: str = ""

    @property
    def pair(self) -> str:
        return f"{self.var}@{self.host}"


def approvals_file() -> Path:
    from .paths import data_dir

    return data_dir() / "credential_approvals.json"


class ApprovalStore:
    """The (variable, host) pairs the user approved for good, in a small JSON file in the user's data dir.

    Read on every question (a run asks a handful of times), written atomically. A file that cannot be read
    counts as no approvals (so nothing is sent) and :attr:`problem` says why.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or approvals_file()
        self.problem = ""

    def _read(self) -> dict[str, dict[str, str]]:
        self.problem = ""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            self.problem = f"{self.path}: cannot read the approvals ({exc}); no credential is sent until fixed"
            return {}
        records = data.get("approvals") if isinstance(data, dict) else None
        if not isinstance(records, dict):
            self.problem = f"{self.path}: not an approvals file; no credential is sent until fixed"
            return {}
        return {k: v if isinstance(v, dict) else {} for k, v in records.items() if isinstance(k, str)}

    def list(self) -> list[Approval]:
        out = []
        for pair, info in sorted(self._read().items()):
            try:
                var, host = parse_pair(pair)
            except ValueError:
                continue
            out.append(Approval(var, host, str(info.get("approved_at", ""))))
        return out

    def contains(self, var: str, host: str) -> bool:
        return f"{var}@{host}" in self._read()

    def add(self, var: str, host: str) -> None:
        records = self._read()
        if self.problem:
            raise OSError(self.problem)
        records[f"{var}@{host}"] = {"approved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        self._write(records)

    def revoke(self, var: str, host: str) -> bool:
        records = self._read()
        if records.pop(f"{var}@{host}", None) is None:
            return False
        self._write(records)
        return True

    def _write(self, records: dict[str, dict[str, str]]) -> None:
        from .document.atomic import atomic_write_text

        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps({"version": 1, "approvals": records}, indent=2, sort_keys=True)
                          + "\n")
