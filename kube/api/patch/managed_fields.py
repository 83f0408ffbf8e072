"""Field sets in Kubernetes' FieldsV1 notation, as `metadata.managedFields` records them.

A path is a tuple of segments: `f:<field>` for a field, `k:{"name":"c"}` for a
list element picked by its merge key, `v:<json>` for a primitive set member.
The FieldsV1 form nests the segments as object keys; a list element that also
has children carries a `.` entry, as Kubernetes writes it.
"""

from __future__ import annotations

import json
from typing import Any

from kube.api.patch.merge_keys import field_patch, root_type
from kube.api.patch.strategic import identity, is_merge_list

Path = tuple[str, ...]

# fields the API server sets or identifies the object by: never owned by a manager
_UNOWNED_TOP = {"apiVersion", "kind", "status"}
_UNOWNED_META = {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                 "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"}


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def field_paths(obj: dict[str, Any], kind: str) -> set[Path]:
    """Every node (fields, keyed list elements, set members) an applied configuration sets."""
    out: set[Path] = set()
    for key, value in obj.items():
        if key in _UNOWNED_TOP:
            continue
        if key == "metadata" and isinstance(value, dict):
            meta = {k: v for k, v in value.items() if k not in _UNOWNED_META}
            if meta:
                out.add(("f:metadata",))
                _walk(meta, "ObjectMeta", ("f:metadata",), out)
            continue
        info = field_patch(root_type(kind), key)
        _add(key, value, info, (), out)
    return out


def _walk(obj: dict[str, Any], type_name: str | None, prefix: Path, out: set[Path]) -> None:
    for key, value in obj.items():
        _add(key, value, field_patch(type_name, key), prefix, out)


def _add(key: str, value: Any, info: Any, prefix: Path, out: set[Path]) -> None:
    path = prefix + ("f:" + key,)
    out.add(path)
    if isinstance(value, dict) and info.strategy != "replace":
        _walk(value, info.type, path, out)
    elif isinstance(value, list) and is_merge_list(info):
        for item in value:
            if info.merge_key is None:
                out.add(path + ("v:" + _compact(item),))
            elif isinstance(item, dict) and info.merge_key in item:
                element = path + ("k:" + _compact({info.merge_key: item[info.merge_key]}),)
                out.add(element)
                _walk(item, info.type, element, out)


def to_fields_v1(paths: set[Path]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for seg in path:
            node = node.setdefault(seg, {})
    _mark_elements(tree)
    return tree


def _mark_elements(tree: dict[str, Any]) -> None:
    for seg, child in tree.items():
        if seg.startswith("k:") and child:
            child.setdefault(".", {})
        if seg != ".":
            _mark_elements(child)


def from_fields_v1(tree: Any, prefix: Path = ()) -> set[Path]:
    """The paths a FieldsV1 object holds (malformed parts are ignored: they own nothing)."""
    out: set[Path] = set()
    if not isinstance(tree, dict):
        return out
    for seg, child in tree.items():
        if seg == "." or not isinstance(seg, str):
            continue
        path = prefix + (seg,)
        out.add(path)
        out |= from_fields_v1(child, path)
    return out


def _step(container: Any, seg: str) -> tuple[Any, Any] | None:
    """(holder, handle) of a segment in `container`: a dict and its key, or a list and an index."""
    kind, _, text = seg.partition(":")
    if kind == "f" and isinstance(container, dict) and text in container:
        return container, text
    if kind in ("k", "v") and isinstance(container, list):
        try:
            wanted = json.loads(text)
        except ValueError:
            return None
        for i, item in enumerate(container):
            if kind == "v" and identity(item) == identity(wanted):
                return container, i
            if (kind == "k" and isinstance(item, dict) and isinstance(wanted, dict)
                    and all(identity(item.get(k)) == identity(v) for k, v in wanted.items())):
                return container, i
    return None


def remove_paths(obj: dict[str, Any], doomed: set[Path], leaves: set[Path]) -> None:
    """Remove what `doomed` names from `obj` in place, deepest first.

    A leaf, a list element or a set member goes; a field that holds children goes
    only once nothing is left in it (others may still own what it holds).
    """
    elements = {p for p in doomed if p[-1][0] in "kv"}
    # a doomed list element goes whole: its own fields need no separate removal (and its key must stay
    # in place until then, to find it)
    doomed = {p for p in doomed if not any(p[:i] in elements for i in range(1, len(p)))}
    for path in sorted(doomed, key=len, reverse=True):
        cur: Any = obj
        found = None
        for seg in path:
            found = _step(cur, seg)
            if found is None:
                break
            cur = found[0][found[1]]
        if found is None:
            continue
        holder, handle = found
        if path in leaves or path[-1][0] in "kv" or holder[handle] in ({}, []):
            del holder[handle]
