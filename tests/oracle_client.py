"""Talk to the reference SDK oracle (``tests/oracle/sdk_oracle.py serve``) from tuinb's test process.

The SDK lives in its own venv (``make sdk-venv`` creates ``.sdk-venv``); tuinb never imports it.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ORACLE_SCRIPT = REPO / "tests" / "oracle" / "sdk_oracle.py"
REPLY_TIMEOUT = 60.0  # seconds; one request takes milliseconds, this only guards against a hung oracle

HOW_TO_CREATE = (
    "the reference SDK venv is missing: run `make sdk-venv` (creates .sdk-venv with python-aiconfig==1.1.34 "
    "and google-generativeai==0.3.2), or point $TUINB_SDK_PYTHON at a python that has them; "
    "set TUINB_SKIP_ORACLE=1 to skip the oracle tests deliberately"
)


def find_sdk_python() -> Path | None:
    """``$TUINB_SDK_PYTHON`` if set, else the repo's ``.sdk-venv``; None if it does not exist."""
    env = os.environ.get("TUINB_SDK_PYTHON")
    candidate = Path(env) if env else REPO / ".sdk-venv" / "bin" / "python"
    return candidate if candidate.exists() else None


class OracleError(RuntimeError):
    pass


class SdkOracle:
    """One long-lived ``serve`` process; :meth:`ask` sends one request line and returns the reply."""

    def __init__(self, python: Path):
        self.python = python
        # stderr goes to a file: a pipe nobody reads could fill up and block the oracle.
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.proc = subprocess.Popen(
            [str(python), str(ORACLE_SCRIPT), "serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            text=True, encoding="utf-8", bufsize=1,
        )

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise OracleError(f"the SDK oracle has exited:\n{self.stderr_text()}") from None
        # One reply line per request and we always read it whole, so Python's read buffer is empty here and
        # select() on the pipe is a faithful "is a reply ready" test.
        ready, _, _ = select.select([self.proc.stdout], [], [], REPLY_TIMEOUT)
        if not ready:
            raise OracleError(f"no reply from the SDK oracle within {REPLY_TIMEOUT:.0f}s for {request!r:.300}")
        line = self.proc.stdout.readline()
        if not line:
            raise OracleError(f"the SDK oracle has exited:\n{self.stderr_text()}")
        reply = json.loads(line)
        if reply.get("stage") == "oracle":  # the oracle itself failed: a bug in the test harness
            raise OracleError(f"{reply['error']}\n{reply.get('traceback', '')}")
        return reply

    def render(self, template: str, context: dict[str, Any]) -> dict[str, Any]:
        return self.ask({"template": template, "context": context})

    def resolve(self, config: dict[str, Any], prompt: str | int, params: dict[str, Any] | None = None) -> dict:
        return self.ask({"config": config, "prompt": prompt, "params": params or {}})

    def fmt(self, text: str, mode: str = "json") -> dict[str, Any]:
        return self.ask({"op": "fmt", "text": text, "mode": mode})

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()
