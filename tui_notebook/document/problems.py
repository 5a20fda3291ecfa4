"""Problems found while reading a notebook: where (file:line:col, field path) and what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

Severity = Literal["error", "warning"]


def format_path(parts: Sequence[str | int]) -> str:
    """``("prompts", 3, "metadata", "model")`` -> ``prompts[3].metadata.model``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class Problem:
    message: str
    source: str = "<string>"
    path: tuple[str | int, ...] = ()
    line: int | None = None
    col: int | None = None
    severity: Severity = "error"

    @property
    def field(self) -> str:
        return format_path(self.path)

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}:{self.col or 1}"
        prefix = f"{where}: "
        if self.severity == "warning":
            prefix += "warning: "
        if self.path:
            prefix += f"{self.field}: "
        return prefix + self.message


class DocumentError(Exception):
    """Reading failed. ``problems`` lists every error found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
