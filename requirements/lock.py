"""Write requirements/runtime.lock and requirements/dev.lock from the venv that runs this script (`make lock`).

runtime.lock pins what `tuinb[local,audio]` needs (and the build backend, since the Makefile installs tuinb without
build isolation); dev.lock includes runtime.lock and pins the test and lint tools on top. Versions are the ones
installed in the venv, so the locks say exactly what was tested. torch is written without its local `+cpu` tag:
the machine's pip find-links supplies the CPU wheel, and torchvision/torchaudio must never be added.
"""

from __future__ import annotations

import importlib.metadata as md
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
RUNTIME_EXTRAS = {"local", "audio"}
NEVER = {"pip", "tuinb"}  # the installer itself, and the project (installed from the tree, not pinned)


def _wanted(req: Requirement, extras: set[str]) -> bool:
    if req.marker is None:
        return True
    return any(req.marker.evaluate({"extra": extra}) for extra in (extras or {""}))


def _closure(roots: list[Requirement]) -> dict[str, md.Distribution]:
    found: dict[str, md.Distribution] = {}
    todo = [(req, set(req.extras)) for req in roots]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if (name, frozenset(extras)) in seen or name in NEVER:
            continue
        seen.add((name, frozenset(extras)))
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            sys.exit(f"make lock: {req.name} is required but not installed in this venv: run make install first")
        found[name] = dist
        for text in dist.requires or []:
            sub = Requirement(text)
            if _wanted(sub, extras):
                todo.append((sub, set(sub.extras)))
    return found


def _pin(dist: md.Distribution) -> str:
    version = dist.version
    if canonicalize_name(dist.metadata["Name"]) == "torch":
        version = version.split("+")[0]
    return f"{dist.metadata['Name']}=={version}"


def _write(path: Path, header: list[str], dists: dict[str, md.Distribution]) -> None:
    pins = [_pin(d) for _, d in sorted(dists.items())]
    path.write_text("\n".join([*header, *pins]) + "\n")


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = [Requirement(text) for text in md.requires("tuinb") or []]
    runtime_roots = [r for r in declared if r.marker is None or _wanted(r, RUNTIME_EXTRAS)]
    runtime_roots += [Requirement(text) for text in project["build-system"]["requires"]]
    dev_roots = [r for r in declared if r.marker is not None and r.marker.evaluate({"extra": "dev"})]
    runtime = _closure(runtime_roots)
    dev = {name: dist for name, dist in _closure(dev_roots).items() if name not in runtime}
    installed = {canonicalize_name(d.metadata["Name"]): d for d in md.distributions()}
    stray = {name: d for name, d in installed.items() if name not in runtime and name not in dev and name not in NEVER}
    for name in sorted(stray):
        print(f"make lock: {name} is installed but nothing declared needs it; left out of the locks", file=sys.stderr)
    _write(HERE / "runtime.lock", [
        "# What tuinb[local,audio] needs to run, and its build backend. Regenerate with 'make lock' (requirements/lock.py).",
        "# torch is pinned without +cpu: this machine's pip find-links supplies the CPU wheel; an unpinned torch pulls CUDA.",
        "# Never add torchvision/torchaudio (they break the CPU torch on import).",
    ], runtime)
    _write(HERE / "dev.lock", [
        "# Tests, lint and type checks on top of the runtime pins (make install uses this file). Regenerate with 'make lock'.",
        "-r runtime.lock",
    ], dev)


if __name__ == "__main__":
    main()
