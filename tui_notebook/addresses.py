"""Which network addresses are public, and fetching a URL from exactly the address that was checked.

A notebook's URL attachment could point at this machine (``127.0.0.1``, ``::1``), the local network
(``10/8``, ``192.168/16``, ``fc00::/7``), a cloud metadata service (``169.254.169.254``) or a name that
resolves to one of them. tuinb fetches such a URL only with the user's consent. The check holds for the
connection actually made: the name is resolved once, every address it resolves to must be allowed, the
socket connects to the checked address (TLS still verifies the name), and each redirect is checked the same way.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any, Callable

from .secrets import Destination, destination

MAX_REDIRECTS = 5
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(ip: str) -> bool:
    """True for a globally routable unicast address; False for loopback, private, link-local, shared, multicast,
    reserved, unspecified, and IPv6 forms that embed one of those (IPv4-mapped, 6to4, Teredo, NAT64)."""
    try:
        address: Any = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    embedded = []
    if address.version == 6:
        for attr in ("ipv4_mapped", "sixtofour"):
            value = getattr(address, attr, None)
            if value is not None:
                embedded.append(value)
        if address.teredo:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    for candidate in (address, *embedded):
        if (not candidate.is_global or candidate.is_multicast or candidate.is_private or candidate.is_loopback
                or candidate.is_link_local or candidate.is_reserved or candidate.is_unspecified):
            return False
    return True


def resolve(dest: Destination) -> list[str]:
    """Every address ``dest``'s host resolves to (an IP literal resolves to itself)."""
    port = dest.port or (443 if dest.scheme == "https" else 80)
    infos = socket.getaddrinfo(dest.host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def non_public_host(url: str) -> str | None:
    """The host key of ``url`` when it is an http(s) URL whose host resolves to a non-public address, else None
    (also when it does not resolve: the fetch will say so)."""
    dest = destination(url)
    if dest is None:
        return None
    try:
        addresses = resolve(dest)
    except OSError:
        return None
    return dest.key if any(not is_public(ip) for ip in addresses) else None


class PrivateAddress(Exception):
    """The URL's host resolves to a non-public address the caller did not allow."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.host = host


@dataclass
class Opened:
    response: Any  # http.client.HTTPResponse
    connection: Any  # http.client.HTTPConnection
    url: str

    def close(self) -> None:
        for thing in (self.response, self.connection):
            try:
                thing.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass


def open_checked(url: str, timeout: float, allow_private: Callable[[str], bool],
                 headers: dict[str, str] | None = None) -> Opened:
    """GET ``url``, following up to :data:`MAX_REDIRECTS` redirects, each hop connected to an address checked
    against :func:`is_public` (or allowed by ``allow_private(host key)``). Raises :class:`PrivateAddress`,
    ``OSError`` or ``ValueError`` (not an http(s) URL, too many redirects, an HTTP error status)."""
    import http.client
    import ssl
    import urllib.parse

    for _hop in range(MAX_REDIRECTS + 1):
        dest = destination(url)
        if dest is None:
            raise ValueError(f"not an http(s) URL: {url}")
        addresses = resolve(dest)
        if not addresses:
            raise OSError(f"{dest.key} does not resolve")
        if any(not is_public(ip) for ip in addresses) and not allow_private(dest.key):
            raise PrivateAddress(dest.key)
        port = dest.port or (443 if dest.scheme == "https" else 80)
        sock = socket.create_connection((addresses[0], port), timeout=timeout)
        try:
            if dest.scheme == "https":
                context = ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=dest.host)
                connection: Any = http.client.HTTPSConnection(dest.host, port, timeout=timeout, context=context)
            else:
                connection = http.client.HTTPConnection(dest.host, port, timeout=timeout)
            connection.sock = sock  # already connected to the checked address: http.client will not reconnect
            parts = urllib.parse.urlsplit(url)
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
        except BaseException:
            sock.close()
            raise
        if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
            location = response.getheader("Location") or ""
            response.close()
            connection.close()
            url = urllib.parse.urljoin(url, location)
            continue
        if response.status >= 400:
            response.close()
            connection.close()
            raise ValueError(f"HTTP Error {response.status}: {response.reason}")
        return Opened(response, connection, url)
    raise ValueError(f"more than {MAX_REDIRECTS} redirects")
