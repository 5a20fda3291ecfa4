"""Where the shared AIConfig corpus (spec §7: 114 real files + MANIFEST.json) lives.

It is not part of the repo: it sits in the project's shared/ folder, which developers have at /work/shared and
CI gets as a copy beside its clone. ``$TUINB_CORPUS`` overrides both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_CANDIDATES = (REPO.parent / "shared" / "corpus" / "aiconfig", Path("/work/shared/corpus/aiconfig"))


def corpus_dir() -> Path:
    """The corpus folder; raises FileNotFoundError (never returns a missing folder) so tests fail loudly."""
    env = os.environ.get("TUINB_CORPUS")
    candidates = (Path(env),) if env else _CANDIDATES
    for folder in candidates:
        if (folder / "MANIFEST.json").is_file():
            return folder
    raise FileNotFoundError(
        "AIConfig corpus not found (looked for MANIFEST.json in "
        + ", ".join(str(c) for c in candidates) + "); set TUINB_CORPUS to the shared/corpus/aiconfig folder")


def corpus_files(folder: Path | None = None) -> list[Path]:
    """Every file MANIFEST.json lists, sorted by name. A listed file that is missing is an error."""
    folder = folder or corpus_dir()
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    files = sorted(folder / entry["file"] for entry in manifest)
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"corpus files listed in MANIFEST.json are missing: {missing}")
    return files
