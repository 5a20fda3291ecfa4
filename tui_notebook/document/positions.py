"""Map JSON/YAML field paths back to line:column positions, so schema errors can point into the file.

Only used when something is wrong, so it favours simplicity over speed.
"""

from __future__ import annotations

import json
from typing import Any

Path = tuple[Any, ...]
_WS = " \t\r\n"


class _JsonIndexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.where: dict[Path, int] = {}

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WS:
            self.pos += 1

    def value(self, path: Path) -> None:
        self.skip_ws()
        self.where[path] = self.pos
        ch = self.text[self.pos]
        if ch == "{":
            self.pos += 1
            self.skip_ws()
            if self.text[self.pos] == "}":
                self.pos += 1
                return
            while True:
                self.skip_ws()
                key, end = json.decoder.scanstring(self.text, self.pos + 1)
                key_pos = self.pos
                self.pos = end
                self.skip_ws()
                self.pos += 1  # ':'
                self.value(path + (key,))
                # A key's own position is more useful than its value's for "unknown key" messages.
                self.where.setdefault(path + (key, "__key__"), key_pos)
                self.skip_ws()
                ch = self.text[self.pos]
                self.pos += 1
                if ch == "}":
                    return
        elif ch == "[":
            self.pos += 1
            self.skip_ws()
            if self.text[self.pos] == "]":
                self.pos += 1
                return
            index = 0
            while True:
                self.value(path + (index,))
                index += 1
                self.skip_ws()
                ch = self.text[self.pos]
                self.pos += 1
                if ch == "]":
                    return
        elif ch == '"':
            _, self.pos = json.decoder.scanstring(self.text, self.pos + 1)
        else:
            _, self.pos = json.JSONDecoder().raw_decode(self.text, self.pos)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def json_positions(text: str) -> dict[Path, tuple[int, int]]:
    """Path -> (line, col) (both 1-based) of every value in a JSON document known to parse."""
    indexer = _JsonIndexer(text)
    try:
        indexer.value(())
    except (IndexError, ValueError):  # pragma: no cover - text was already parsed successfully
        pass
    return {path: _line_col(text, off) for path, off in indexer.where.items()}


def yaml_positions(text: str) -> dict[Path, tuple[int, int]]:
    import yaml

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:  # pragma: no cover
        return {}
    out: dict[Path, tuple[int, int]] = {}

    def walk(node: Any, path: Path) -> None:
        out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                walk(value_node, path + (key_node.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    if root is not None:
        walk(root, ())
    return out


def locate(positions: dict[Path, tuple[int, int]], path: Path) -> tuple[int | None, int | None]:
    """The position of ``path``, or of its nearest ancestor that exists in the file."""
    probe = tuple(path)
    while True:
        if probe in positions:
            return positions[probe]
        if not probe:
            return None, None
        probe = probe[:-1]
