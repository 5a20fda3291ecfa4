"""A Hub model that is not in the local cache fails within seconds when the Hub does not answer (or HF_HUB_OFFLINE
is set), instead of after the libraries' timeouts and retries. No real network: the "Hub" is a loopback socket
that accepts connections and never answers (a black hole), or a closed port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

# serial: wall-clock bounds on the failure, and closed_port() frees a port number another test could take
pytestmark = [pytest.mark.slow, pytest.mark.serial]

TESTS = Path(__file__).resolve().parent

# Runs in a fresh interpreter (huggingface_hub reads HF_ENDPOINT at import); the libraries are imported before
# the clock starts, as the app's model process does ahead of the first run.
SCRIPT = r'''
import json, sys, time
sys.path.insert(0, sys.argv[1])
from fixtures.parser_run import Recorder, make_request
from tui_notebook.registry import default_registry
from transformers import pipeline  # noqa: F401
parser = default_registry().get("Text Generation (Local)")
times, errors = [], []
for _ in range(2):
    request = make_request("Text Generation (Local)", text="hi", settings={"model": "nobody/not-cached"})
    started = time.monotonic()
    try:
        parser.run(request, Recorder())
        errors.append("ran")
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    times.append(time.monotonic() - started)
print(json.dumps({"seconds": times, "errors": errors}))
'''


@pytest.fixture
def black_hole():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # the kernel accepts connections; nobody ever reads or answers
    yield listener
    listener.close()


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def run_offline(tmp_path, endpoint: str, **extra: str) -> dict:
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HOME": str(tmp_path / "hf-home"), **extra}
    for name in ("HF_HUB_OFFLINE", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        if name not in extra:
            env.pop(name, None)
    try:
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(TESTS)], capture_output=True, text=True,
                              env=env, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the run was still waiting for the Hub after 90 s")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_fast_clear_failure(result: dict) -> None:
    for error in result["errors"]:
        assert error.startswith("ParserError: cannot download model 'nobody/not-cached' here"), error
        assert "not in the local Hugging Face cache" in error
    assert result["seconds"][0] < 5, result
    assert result["seconds"][1] < 1, result  # the probe's answer is remembered


def test_unanswering_hub_fails_within_seconds(tmp_path, black_hole):
    result = run_offline(tmp_path, f"http://127.0.0.1:{black_hole.getsockname()[1]}")
    assert_fast_clear_failure(result)


def test_closed_hub_port_fails_within_seconds(tmp_path):
    assert_fast_clear_failure(run_offline(tmp_path, f"http://127.0.0.1:{closed_port()}"))


def test_offline_mode_does_not_even_ask(tmp_path, black_hole):
    black_hole.settimeout(0.2)
    result = run_offline(tmp_path, f"http://127.0.0.1:{black_hole.getsockname()[1]}", HF_HUB_OFFLINE="1")
    assert_fast_clear_failure(result)
    with pytest.raises(socket.timeout):
        black_hole.accept()  # nobody connected
