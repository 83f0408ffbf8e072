"""Computing a strategic merge patch from two objects, in the shape kubectl sends.

Lists merged by key get one entry per changed or added element (with the merge
key), `{"$patch": "delete", <key>: ...}` per removed one, and a
`$setElementOrder/<list>` naming the new order; primitive merge lists get the
additions plus `$deleteFromPrimitiveList/<list>`; `retainKeys` fields get
`$retainKeys`; a removed field is null. Other lists are sent whole.
"""

from __future__ import annotations

import copy
from typing import Any

from kube.api.patch.json_equality import json_equal
from kube.api.patch.merge_keys import FieldPatch, field_patch, root_type
from kube.api.patch.strategic import (
    DELETE_FROM_PRIMITIVE_LIST,
    PATCH,
    RETAIN_KEYS,
    SET_ELEMENT_ORDER,
    identity,
    is_merge_list,
)


def create_strategic_merge_patch(original: dict[str, Any] | None, modified: dict[str, Any] | None,
                                 kind: str) -> dict[str, Any]:
    """The patch that turns `original` into `modified` (kubectl's two-way merge patch)."""
    return _diff_maps(original or {}, modified or {}, root_type(kind))


def _retains_keys(info: FieldPatch) -> bool:
    return "retainKeys" in (info.strategy or "").split(",")


def _diff_maps(original: dict[str, Any], modified: dict[str, Any], type_name: str | None) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for key in original:
        if key not in modified:
            patch[key] = None
    for key, new in modified.items():
        if key not in original:
            patch[key] = copy.deepcopy(new)
            continue
        old = original[key]
        if json_equal(old, new):
            continue
        info = field_patch(type_name, key)
        if isinstance(old, dict) and isinstance(new, dict) and info.strategy != "replace":
            sub = _diff_maps(old, new, info.type)
            if _retains_keys(info):
                sub[RETAIN_KEYS] = sorted(new)
            patch[key] = sub
        elif isinstance(old, list) and isinstance(new, list) and is_merge_list(info):
            patch.update(_diff_lists(key, old, new, info))
        else:
            patch[key] = copy.deepcopy(new)
    return patch


def _replace_whole(key: str, new: list[Any]) -> dict[str, Any]:
    """For lists the merge rules cannot express (duplicates, missing keys): replace the list."""
    return {key: [{PATCH: "replace"}, *copy.deepcopy(new)]}


def _diff_lists(key: str, old: list[Any], new: list[Any], info: FieldPatch) -> dict[str, Any]:
    """The entries of the parent's patch for list `key` (the list, its order and its deletions)."""
    merge_key = info.merge_key
    if merge_key is None:
        old_ids = [identity(v) for v in old]
        new_ids = [identity(v) for v in new]
        if len(set(old_ids)) != len(old_ids) or len(set(new_ids)) != len(new_ids):
            return _replace_whole(key, new)
        added = [copy.deepcopy(v) for v, i in zip(new, new_ids, strict=True) if i not in set(old_ids)]
        deleted = [copy.deepcopy(v) for v, i in zip(old, old_ids, strict=True) if i not in set(new_ids)]
        out: dict[str, Any] = {SET_ELEMENT_ORDER + key: copy.deepcopy(new)}
        if added:
            out[key] = added
        if deleted:
            out[DELETE_FROM_PRIMITIVE_LIST + key] = deleted
        return out

    def keyed(items: list[Any]) -> dict[str, dict[str, Any]] | None:
        by_id: dict[str, dict[str, Any]] = {}
        for item in items:
            if not isinstance(item, dict) or merge_key not in item or identity(item[merge_key]) in by_id:
                return None
            by_id[identity(item[merge_key])] = item
        return by_id

    old_by_id, new_by_id = keyed(old), keyed(new)
    if old_by_id is None or new_by_id is None:
        return _replace_whole(key, new)
    changes: list[dict[str, Any]] = []
    for ident in sorted(new_by_id):
        item = new_by_id[ident]
        before = old_by_id.get(ident)
        if before is None:
            changes.append(copy.deepcopy(item))
        elif not json_equal(before, item):
            sub = _diff_maps(before, item, info.type)
            if _retains_keys(info):
                sub[RETAIN_KEYS] = sorted(item)
            sub[merge_key] = copy.deepcopy(item[merge_key])
            changes.append(sub)
    deletions = [{PATCH: "delete", merge_key: copy.deepcopy(old_by_id[i][merge_key])}
                 for i in sorted(old_by_id) if i not in new_by_id]
    out = {SET_ELEMENT_ORDER + key: [{merge_key: copy.deepcopy(item[merge_key])} for item in new]}
    if changes or deletions:
        out[key] = changes + deletions
    return out
