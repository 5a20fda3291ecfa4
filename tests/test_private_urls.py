"""URL attachments on non-public addresses (this machine, the local network, link-local metadata services) are
fetched only with consent, checked on the connection actually made: one resolution, the socket connects to the
checked address, every redirect hop checked again."""

from __future__ import annotations

import http.server
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from fixtures.hf_server import tiny_png
from tui_notebook.addresses import is_public
from tui_notebook.consent import PRIVATE_URL, ConsentItem, NeedsConsent, RunGate
from tui_notebook.notebook import Notebook
from tui_notebook.parsers.attachments import load_attachment

PNG = tiny_png(4, 3)


@pytest.mark.parametrize("ip, public", [
    ("127.0.0.1", False), ("127.1.2.3", False), ("10.1.2.3", False), ("172.16.0.1", False),
    ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False),
    ("224.0.0.1", False), ("255.255.255.255", False), ("240.0.0.1", False), ("::1", False), ("::", False),
    ("fe80::1", False), ("fc00::1", False), ("fd12:3456::1", False), ("ff02::1", False),
    ("::ffff:127.0.0.1", False), ("::ffff:169.254.169.254", False), ("64:ff9b::a00:1", False),
    ("2002:7f00:1::1", False), ("8.8.8.8", True), ("151.101.1.140", True), ("2606:4700:4700::1111", True),
    ("not an address", False),
])
def test_public_addresses(ip, public):
    assert is_public(ip) is public


@contextmanager
def file_server(redirect_to: str | None = None):  # noqa: ANN201
    seen: list[tuple[str, str]] = []

    class Files(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append((self.path, self.headers.get("Host", "")))
            if redirect_to:
                self.send_response(302)
                self.send_header("Location", redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *a):  # noqa: ANN002
            pass

    with socketserver.TCPServer(("127.0.0.1", 0), Files) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield server.server_address[1], seen
        finally:
            server.shutdown()


def test_a_loopback_url_needs_consent_and_the_grant_is_per_host():
    with file_server() as (port, seen):
        url = f"http://127.0.0.1:{port}/pic.png"
        with pytest.raises(NeedsConsent) as info:
            load_attachment({"data": url}, Path("."))
        assert info.value.items == (ConsentItem(PRIVATE_URL, f"127.0.0.1:{port}"),)
        assert seen == []  # not even a connection
        gate = RunGate(granted=frozenset({ConsentItem(PRIVATE_URL, f"127.0.0.1:{port}")}))
        assert load_attachment({"data": url}, Path("."), gate=gate).data == PNG
        with pytest.raises(NeedsConsent):
            load_attachment({"data": f"http://localhost:{port}/pic.png"}, Path("."), gate=gate)  # another name


def test_every_redirect_hop_is_checked():
    with file_server() as (inner_port, inner_seen):
        with file_server(redirect_to=f"http://127.0.0.1:{inner_port}/pic.png") as (outer_port, outer_seen):
            gate = RunGate(granted=frozenset({ConsentItem(PRIVATE_URL, f"127.0.0.1:{outer_port}")}))
            with pytest.raises(NeedsConsent) as info:
                load_attachment({"data": f"http://127.0.0.1:{outer_port}/a"}, Path("."), gate=gate)
            assert info.value.items == (ConsentItem(PRIVATE_URL, f"127.0.0.1:{inner_port}"),)
            assert len(outer_seen) == 1 and inner_seen == []
            both = RunGate(allow_private_urls=True)
            assert load_attachment({"data": f"http://127.0.0.1:{outer_port}/a"}, Path("."), gate=both).data == PNG


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    """A name is resolved once; a name with any non-public address is refused (DNS rebinding), and an allowed one
    is connected to by the address checked, with the name kept for the Host header."""
    real = socket.getaddrinfo
    answers = {"rebind.test": ["93.184.216.34", "127.0.0.1"], "files.test": ["127.0.0.1"]}
    lookups: list[str] = []

    def fake(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if host in answers:
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with file_server() as (port, seen):
        with pytest.raises(NeedsConsent) as info:
            load_attachment({"data": f"http://rebind.test:{port}/x"}, Path("."))
        assert info.value.items[0].host == f"rebind.test:{port}" and seen == []
        gate = RunGate(granted=frozenset({ConsentItem(PRIVATE_URL, f"files.test:{port}")}))
        assert load_attachment({"data": f"http://files.test:{port}/pic.png"}, Path("."), gate=gate).data == PNG
        assert seen == [("/pic.png", f"files.test:{port}")]
        assert lookups.count("files.test") == 1


def _attachment_notebook(folder: Path, url: str, server_url: str) -> Path:
    path = folder / "see.aiconfig.json"
    path.write_text(json.dumps({"name": "see", "metadata": {}, "prompts": [
        {"name": "see", "input": {"attachments": [{"data": {"kind": "file_uri", "value": url},
                                                   "mime_type": "image/png"}]},
         "metadata": {"model": {"name": "Image-to-Text", "settings": {"model": server_url}}}}]}))
    return path


def test_engine_asks_before_fetching_from_a_local_address(tmp_path, hf_server):
    with file_server() as (port, seen):
        nb = Notebook.load(_attachment_notebook(tmp_path, f"http://127.0.0.1:{port}/pic.png",
                                                hf_server.model_url("image-to-text")))
        outcome = nb.engine.run("see")
        assert outcome.status == "needs_consent"
        assert outcome.consent == (ConsentItem(PRIVATE_URL, f"127.0.0.1:{port}"),)
        assert seen == [] and hf_server.requests == []
        assert nb.engine.run("see", consent=outcome.consent).ok
        assert len(seen) == 1 and hf_server.requests[0].body == PNG


def test_tuinb_run_refuses_a_local_address_and_the_flag_allows_it(tmp_path, hf_server):
    with file_server() as (port, seen):
        path = _attachment_notebook(tmp_path, f"http://127.0.0.1:{port}/pic.png", hf_server.model_url("image-to-text"))
        env = {**os.environ, "HF_HUB_OFFLINE": "0"}
        run = [sys.executable, "-m", "tui_notebook", "run", str(path), "see"]
        refused = subprocess.run(run, capture_output=True, text=True, env=env, timeout=300)
        assert refused.returncode == 2
        assert f"127.0.0.1:{port}" in refused.stderr and "--allow-private-urls" in refused.stderr
        assert seen == [] and hf_server.requests == []
        allowed = subprocess.run([*run, "--allow-private-urls"], capture_output=True, text=True, env=env, timeout=300)
        assert allowed.returncode == 0, allowed.stderr
        assert "a 4x3 picture" in allowed.stdout and len(seen) == 1


def test_previews_never_fetch_from_a_local_address():
    from tui_notebook.media.items import MediaRef, MediaUnavailable, read_media

    with file_server() as (port, seen):
        ref = MediaRef("attachment", 0, "image/png", "file_uri", f"http://127.0.0.1:{port}/pic.png")
        with pytest.raises(MediaUnavailable, match=f"not fetched: 127.0.0.1:{port} is a local or private"):
            read_media(ref, Path("."))
        assert seen == []
