"""JSON patch (RFC 6902): add, remove, replace, move, copy and test at JSON pointers (RFC 6901).

Two limits keep a short patch from building a huge document: every value put
somewhere must fit the nesting limit at its path (kube/api/depth.py), and all
`copy` operations together may copy at most MAX_COPIED_NODES nodes (each copy
can double the document; Kubernetes caps the same with json-patch's
AccumulatedCopySizeLimit).
"""

from __future__ import annotations

import copy
from typing import Any

from kube.api.depth import MAX_DEPTH, TooDeep
from kube.api.patch.errors import PatchError
from kube.api.patch.json_equality import json_equal

_OPS = ("add", "remove", "replace", "move", "copy", "test")
MAX_COPIED_NODES = 10_000


def _placed(value: Any, pointer: str) -> int:
    """The number of nodes in `value`, after checking it fits the nesting limit once put at `pointer`."""
    room = MAX_DEPTH - pointer.count("/") if isinstance(pointer, str) else MAX_DEPTH
    nodes = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        nodes += 1
        if isinstance(node, dict | list):
            if level > room:
                raise TooDeep()
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return nodes


def parse_pointer(pointer: Any) -> list[str]:
    """The reference tokens of a JSON pointer, unescaped (`~1` is `/`, `~0` is `~`)."""
    if not isinstance(pointer, str):
        raise PatchError(f"a JSON pointer must be a string, not {pointer!r}")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f'JSON pointer "{pointer}" must start with "/"')
    tokens = pointer[1:].split("/")
    for tok in tokens:
        rest = tok.replace("~0", "").replace("~1", "")
        if "~" in rest:
            raise PatchError(f'JSON pointer "{pointer}" has an invalid escape ("~" must be "~0" or "~1")')
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


def _index(container: list[Any], token: str, pointer: str, *, for_insert: bool) -> int:
    if token == "-" and for_insert:
        return len(container)
    if not (token.isascii() and token.isdigit()) or (len(token) > 1 and token.startswith("0")):
        raise PatchError(f'invalid array index "{token}" in path "{pointer}"')
    index = int(token)
    limit = len(container) if for_insert else len(container) - 1
    if index > limit:
        raise PatchError(f'array index {index} out of range in path "{pointer}" (length {len(container)})')
    return index


def _parent(doc: Any, tokens: list[str], pointer: str) -> Any:
    """The container holding the last token's target (it must exist)."""
    cur = doc
    for tok in tokens[:-1]:
        if isinstance(cur, dict):
            if tok not in cur:
                raise PatchError(f'path "{pointer}" does not exist: missing "{tok}"')
            cur = cur[tok]
        elif isinstance(cur, list):
            cur = cur[_index(cur, tok, pointer, for_insert=False)]
        else:
            raise PatchError(f'path "{pointer}" does not exist: "{tok}" is inside a scalar')
    return cur


def _get(doc: Any, pointer: str) -> Any:
    tokens = parse_pointer(pointer)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f'path "{pointer}" does not exist')
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, pointer, for_insert=False)]
    raise PatchError(f'path "{pointer}" does not exist: its parent is a scalar')


def _add(doc: Any, pointer: str, value: Any) -> Any:
    tokens = parse_pointer(pointer)
    if not tokens:
        return value
    parent = _parent(doc, tokens, pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, pointer, for_insert=True), value)
    else:
        raise PatchError(f'cannot add at "{pointer}": its parent is a scalar')
    return doc


def _remove(doc: Any, pointer: str) -> tuple[Any, Any]:
    tokens = parse_pointer(pointer)
    if not tokens:
        raise PatchError("cannot remove the whole document")
    parent = _parent(doc, tokens, pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f'cannot remove "{pointer}": the path does not exist')
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, last, pointer, for_insert=False))
    raise PatchError(f'cannot remove "{pointer}": its parent is a scalar')


def _field(op: dict[str, Any], name: str, i: int) -> Any:
    if name not in op:
        raise PatchError(f'operation {i} ({op.get("op")}) is missing "{name}"')
    return op[name]


def apply_json_patch(original: Any, ops: Any) -> Any:
    """Apply the operations in order to a copy of `original`; any failing operation fails the patch."""
    if not isinstance(ops, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(original)
    copied = 0
    for i, op in enumerate(ops):
        if not isinstance(op, dict):
            raise PatchError(f"operation {i} must be an object, not {op!r}")
        kind = op.get("op")
        if kind not in _OPS:
            raise PatchError(f'operation {i} has an unknown "op" {kind!r} (want one of {", ".join(_OPS)})')
        path = _field(op, "path", i)
        if kind in ("add", "replace"):
            _placed(_field(op, "value", i), path)
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(_field(op, "value", i)))
        elif kind == "remove":
            doc, _ = _remove(doc, path)
        elif kind == "replace":
            value = copy.deepcopy(_field(op, "value", i))
            _get(doc, path)  # the target must exist
            if parse_pointer(path):
                doc, _ = _remove(doc, path)
                doc = _add(doc, path, value)
            else:
                doc = value
        elif kind == "move":
            source = _field(op, "from", i)
            if path != source and path.startswith(source + "/"):
                raise PatchError(f'cannot move "{source}" into its own child "{path}"')
            doc, value = _remove(doc, source)
            _placed(value, path)
            doc = _add(doc, path, value)
        elif kind == "copy":
            value = _get(doc, _field(op, "from", i))
            copied += _placed(value, path)
            if copied > MAX_COPIED_NODES:
                raise PatchError(f"the patch copies more than {MAX_COPIED_NODES} nodes in all")
            doc = _add(doc, path, copy.deepcopy(value))
        else:
            expected = _field(op, "value", i)
            if not json_equal(_get(doc, path), expected):
                raise PatchError(f'test failed: the value at "{path}" is not {expected!r}')
    return doc
