"""One nesting limit for every value that enters the cluster, checked before anything recurses.

Request bodies are decoded by C code with limits of its own (orjson reads 1024
levels but writes only 255), and then walked by recursive Python: defaults,
validation, the patchers, managed fields, the encoder of every response. A
body that the decoder accepts and a later step cannot handle would be a 500,
or a RecursionError in the middle of a write. So: one limit, far below every
later one, checked right after decoding (iteratively, so the check itself
cannot overflow) and on the result of every patch.

No Kubernetes object comes near it: a Pod's deepest field
(`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
.nodeSelectorTerms[0].matchExpressions[0].values[0]`) is 9 levels down, its
managed fields about 15; a watch event or list item adds 2 or 3.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 100


class TooDeep(ValueError):
    """A value nested deeper than MAX_DEPTH containers."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        super().__init__(f"the value is nested more than {limit} levels deep")
        self.limit = limit


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Raise TooDeep when lists and objects nest more than `limit` levels (a scalar is 0 levels)."""
    if not isinstance(value, dict | list):
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            raise TooDeep(limit)
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                stack.append((child, level + 1))


def depth(value: Any) -> int:
    """How many levels of lists and objects `value` nests (iteratively; for tests and reports)."""
    if not isinstance(value, dict | list):
        return 0
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, level + 1))
    return deepest
