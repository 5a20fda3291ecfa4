"""Refuse YAML whose node graph would blow up the walks that follow parsing.

PyYAML shares the node an alias points at, so composing an "alias bomb" (``&a [*b, *b, ...]`` nested a few
levels) is cheap; the cost comes later, when the value is built, copied, serialised and validated as a tree
of its *expanded* size, which grows exponentially with the nesting. :func:`check_node_graph` measures that
expanded size on the composed graph in one pass over the distinct nodes (each node's size is computed once)
and refuses, with the position of the offending anchor, a graph whose aliases add more than
:data:`MAX_ALIAS_EXPANSION` nodes. A file without aliases is never refused by this check. It also refuses,
with their position, an alias that contains itself and decimal integers too long for Python to convert.
"""

from __future__ import annotations

import math
import sys
from typing import Any

__all__ = ["MAX_ALIAS_EXPANSION", "GraphProblem", "check_node_graph"]

MAX_ALIAS_EXPANSION = 250_000
"""How many nodes aliases may add to a document beyond the ones written out in it."""

_INT_TAG = "tag:yaml.org,2002:int"


class GraphProblem(ValueError):
    """What is wrong and at which node (``mark`` is the node's yaml Mark: 0-based line and column)."""

    def __init__(self, message: str, node: Any) -> None:
        super().__init__(message)
        self.mark = getattr(node, "start_mark", None)


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_scalar(node: Any) -> None:
    if node.tag != _INT_TAG or not isinstance(node.value, str):
        return
    limit = sys.get_int_max_str_digits()
    digits = node.value.replace("_", "").lstrip("+-")
    if not limit or len(digits) <= limit:
        return
    base = {"0x": 16, "0o": 8, "0b": 2}.get(digits[:2].lower())
    if base is not None:  # Python reads these at any length, but they still have to be written as decimal
        try:
            decimal_digits = int(int(digits[2:], base).bit_length() * math.log10(2)) + 1
        except ValueError:
            return
        if decimal_digits <= limit:
            return
        raise GraphProblem(f"integer with about {decimal_digits:,} decimal digits (more than {limit:,} cannot "
                           "be written)", node)
    raise GraphProblem(f"integer with {len(digits):,} digits (more than {limit:,} cannot be read)", node)


def check_node_graph(root: Any) -> None:
    """Raise :class:`GraphProblem` for a graph that expands too far, contains itself, or holds an integer too
    long to convert. Linear in the number of distinct nodes."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the nodes on the path from the root to the current one
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise GraphProblem("an alias refers to a node that contains it", node)
        children = _children(node)
        if not children:
            _check_scalar(node)
        open_nodes.add(key)
        stack.append((node, True))
        for child in reversed(children):
            if id(child) in open_nodes:
                raise GraphProblem("an alias refers to a node that contains it", node)
            if id(child) not in sizes:
                stack.append((child, False))
    allowed = len(sizes) + MAX_ALIAS_EXPANSION
    if sizes[id(root)] > allowed:
        raise GraphProblem(f"too many aliases: the document expands to more than {allowed:,} nodes",
                           _first_too_big(root, sizes, allowed))


def _first_too_big(root: Any, sizes: dict[int, int], allowed: int) -> Any:
    """The innermost node whose expansion alone is over ``allowed`` (where the bomb is defined)."""
    node = root
    while True:
        bigger = [child for child in _children(node) if sizes[id(child)] > allowed]
        if not bigger:
            return node
        node = bigger[0]
