"""Regenerate tests/goldens/ from the reference SDK (python-aiconfig 1.1.34) over the AIConfig corpus.

Runs with any python; the SDK itself runs in its own venv through ``sdk_oracle.py``::

    python tests/oracle/make_goldens.py [--sdk-python PATH] [--corpus DIR] [--fresh]

Writes (after emptying both folders, so goldens of files that left the corpus do not linger):

* ``tests/goldens/fmt/<corpus file>``: what ``AIConfigRuntime.load(f).save()`` writes, for every file the SDK
  (with the oracle's stub parsers) can load;
* ``tests/goldens/resolve/<corpus file>.json``: ``{prompt name: resolved text | {"error": ...}}`` (see
  ``sdk_oracle.py resolve``) for the same files;
* ``tests/goldens/fmt/_unloadable.json``: ``{"unloadable": {file: SDK error}, "repaired": {file: note}}``.
  A file the SDK refuses only because ExecuteResult outputs lack ``metadata`` (spec §1.3) is also written as a
  golden, generated from a copy with ``"metadata": {}`` added to those outputs, because that is exactly what
  tuinb writes when it saves such a file; it is listed under both keys.

By default all files go through one ``sdk_oracle.py serve`` process (the SDK takes ~3 s to import); the oracle
resets its global parser registry per request, so this equals a fresh process per file, which ``--fresh``
does instead (slow: two processes per file) to double-check that claim.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ORACLE = HERE / "sdk_oracle.py"
GOLDENS = REPO / "tests" / "goldens"
UNLOADABLE = "_unloadable.json"

sys.path.insert(0, str(HERE.parent))
from corpus_locator import corpus_dir, corpus_files  # noqa: E402  (shared with the tests)


def default_sdk_python() -> str:
    for candidate in (os.environ.get("TUINB_SDK_PYTHON"), REPO / ".sdk-venv/bin/python", "/tmp/sdkvenv/bin/python"):
        if candidate and Path(candidate).exists():
            return str(candidate)
    return str(REPO / ".sdk-venv/bin/python")


class Oracle:
    """The SDK, either as one long-lived ``serve`` process or as one process per call (``fresh``)."""

    def __init__(self, python: str, fresh: bool):
        self.python = python
        self.fresh = fresh
        self.proc = None
        if not fresh:
            self.proc = subprocess.Popen([python, str(ORACLE), "serve"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the SDK oracle exited (see its stderr above)")
        return json.loads(line)

    def fmt(self, path: Path) -> tuple[str | None, str | None]:
        """(saved text, None) or (None, SDK error)."""
        if not self.fresh:
            reply = self._ask({"op": "fmt_file", "path": str(path)})
            return reply.get("text"), reply.get("error")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / path.name
            run = subprocess.run([self.python, str(ORACLE), "fmt", str(path), str(out)],
                                 capture_output=True, text=True)
            if run.returncode == 3:
                return None, run.stderr.strip()
            run.check_returncode()
            return out.read_bytes().decode("utf-8"), None

    def resolve(self, path: Path) -> dict[str, Any]:
        if not self.fresh:
            reply = self._ask({"op": "resolve_file", "path": str(path)})
            if "resolved" not in reply:
                raise RuntimeError(f"{path.name}: resolve failed although fmt loaded it: {reply}")
            return reply["resolved"]
        run = subprocess.run([self.python, str(ORACLE), "resolve", str(path)], capture_output=True, text=True,
                             check=True)
        return json.loads(run.stdout)

    def close(self) -> None:
        if self.proc:
            assert self.proc.stdin
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def add_missing_output_metadata(data: Any) -> int:
    """Add ``"metadata": {}`` to every ExecuteResult without (or with null) metadata; return how many."""
    count = 0
    prompts = data.get("prompts") if isinstance(data, dict) else None
    for prompt in prompts if isinstance(prompts, list) else []:
        for output in (prompt.get("outputs") or []) if isinstance(prompt, dict) else []:
            if (isinstance(output, dict) and output.get("output_type") == "execute_result"
                    and output.get("metadata") is None):
                output["metadata"] = {}
                count += 1
    return count


def repaired_copy(path: Path, tmpdir: Path) -> tuple[Path, int] | None:
    """A copy of ``path`` with output metadata added (same file name, so the same json/yaml mode), or None."""
    if path.suffix in (".yaml", ".yml"):
        return None  # no such file in the corpus; JSON is all the repair needs to handle
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    fixed = copy.deepcopy(data)
    count = add_missing_output_metadata(fixed)
    if not count:
        return None
    target = tmpdir / path.name
    target.write_text(json.dumps(fixed, indent=2), encoding="utf-8")
    return target, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdk-python", default=default_sdk_python())
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: see tests/corpus_locator.py)")
    parser.add_argument("--fresh", action="store_true", help="one SDK process per call (slow, for checking)")
    args = parser.parse_args()
    if not Path(args.sdk_python).exists():
        sys.exit(f"SDK python not found at {args.sdk_python}: run `make sdk-venv` or pass --sdk-python")
    corpus = args.corpus or corpus_dir()
    files = corpus_files(corpus)

    fmt_dir, resolve_dir = GOLDENS / "fmt", GOLDENS / "resolve"
    for folder in (fmt_dir, resolve_dir):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()

    oracle = Oracle(args.sdk_python, args.fresh)
    unloadable: dict[str, str] = {}
    repaired: dict[str, str] = {}
    written = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for path in files:
                source = path
                text, error = oracle.fmt(path)
                if error is not None:
                    unloadable[path.name] = error
                    fixed = repaired_copy(path, Path(tmp))
                    if fixed is None:
                        continue
                    source, count = fixed
                    text, error = oracle.fmt(source)
                    if error is not None:
                        continue  # the repair was not enough: stays only in "unloadable"
                    repaired[path.name] = (f'golden generated from a copy with "metadata": {{}} added to '
                                           f"{count} ExecuteResult output(s) lacking it (what tuinb writes)")
                assert text is not None
                (fmt_dir / path.name).write_bytes(text.encode("utf-8"))
                resolved = oracle.resolve(source)
                (resolve_dir / f"{path.name}.json").write_text(
                    json.dumps(resolved, indent=2) + "\n", encoding="utf-8")
                written += 1
    finally:
        oracle.close()

    report = {"unloadable": dict(sorted(unloadable.items())), "repaired": dict(sorted(repaired.items()))}
    (fmt_dir / UNLOADABLE).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{len(files)} corpus files: {written} goldens ({len(repaired)} from repaired copies), "
          f"{len(unloadable) - len(repaired)} unloadable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
