"""Client-side apply's three-way strategic merge patch, as kubectl computes it.

original = the last-applied configuration (what this user applied before),
modified = the manifest now, current = the live object. The patch sets what
`modified` changes relative to `current`, and deletes what `original` had but
`modified` dropped; fields others set (server defaults, controllers) are left
alone. Lists of objects with a merge key (containers by name, ports by
containerPort, ...; the table in kube.api.patch.merge_keys, which the server
merges with) are diffed item by item, so server-defaulted fields inside
list items do not make every apply look like a change.
"""

from __future__ import annotations

import json
from typing import Any

from kube.api.patch.merge_keys import FieldPatch, field_patch, root_type
from kube.api.patch.strategic import (
    DELETE_FROM_PRIMITIVE_LIST,
    PATCH,
    RETAIN_KEYS,
    SET_ELEMENT_ORDER,
    identity,
    is_merge_list,
)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_MISSING = object()


def last_applied_value(manifest: dict[str, Any]) -> str:
    """The annotation's value: the manifest without the annotation itself, byte for byte as kubectl
    stores it (sorted keys, compact, `"annotations":{}` kept, trailing newline)."""
    clean = json.loads(json.dumps(manifest))
    meta = clean.setdefault("metadata", {})
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    annotations.pop(LAST_APPLIED, None)
    meta["annotations"] = annotations  # kubectl keeps an empty map here; byte-equal values matter
    return json.dumps(clean, sort_keys=True, separators=(",", ":")) + "\n"


def with_last_applied(manifest: dict[str, Any]) -> dict[str, Any]:
    """A copy of the manifest carrying its own last-applied annotation."""
    value = last_applied_value(manifest)
    out = json.loads(json.dumps(manifest))
    meta = out.setdefault("metadata", {})
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    meta["annotations"] = {**annotations, LAST_APPLIED: value}
    return out


def original_of(live: dict[str, Any]) -> dict[str, Any]:
    text = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def three_way_patch(original: dict[str, Any], modified: dict[str, Any], current: dict[str, Any],
                    kind: str = "") -> dict[str, Any]:
    """The strategic merge patch taking `current` to `modified`, deleting what only `original` had,
    with `kind`'s merge keys. Empty when applying would change nothing."""
    return _diff_maps(original, modified, current, root_type(kind) if kind else None)


def _diff_maps(original: dict[str, Any], modified: dict[str, Any], current: dict[str, Any],
               type_name: str | None) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for key in original:
        if key not in modified and key in current:
            patch[key] = None
    for key, want in modified.items():
        have = current.get(key, _MISSING)
        before = original.get(key, _MISSING)
        info = field_patch(type_name, key)
        if isinstance(want, dict) and isinstance(have, dict) and info.strategy != "replace":
            sub = _diff_maps(before if isinstance(before, dict) else {}, want, have, info.type)
            if sub:
                if "retainKeys" in (info.strategy or "").split(","):
                    sub[RETAIN_KEYS] = sorted(want)
                patch[key] = sub
        elif isinstance(want, list) and isinstance(have, list) and is_merge_list(info):
            old = before if isinstance(before, list) else []
            if info.merge_key and all(isinstance(i, dict) and info.merge_key in i for i in [*want, *have]):
                items = _diff_keyed_lists(old, want, have, info)
                if items:
                    patch[key] = items
                if items or _order_changed(want, have, info.merge_key):
                    patch[f"{SET_ELEMENT_ORDER}{key}"] = [{info.merge_key: i[info.merge_key]} for i in want]
            elif all(not isinstance(i, dict | list) for i in [*want, *have]):
                patch.update(_diff_primitive_lists(key, old, want, have))
            elif want != have:
                patch[key] = want
        elif have is _MISSING or want != have:
            patch[key] = want
    return patch


def _diff_keyed_lists(original: list[Any], modified: list[dict[str, Any]], current: list[dict[str, Any]],
                      info: FieldPatch) -> list[dict[str, Any]]:
    merge_key = info.merge_key
    assert merge_key is not None
    live = {identity(item[merge_key]): item for item in current}
    before = {identity(item[merge_key]): item for item in original if isinstance(item, dict) and merge_key in item}
    wanted = {identity(item[merge_key]) for item in modified}
    items: list[dict[str, Any]] = []
    for item in modified:
        key = identity(item[merge_key])
        if key not in live:
            items.append(item)
            continue
        sub = _diff_maps(before.get(key, {}), item, live[key], info.type)
        if sub:
            items.append({merge_key: item[merge_key], **sub})
    for key, item in before.items():
        if key not in wanted and key in live:
            items.append({merge_key: item[merge_key], PATCH: "delete"})
    return items


def _order_changed(modified: list[dict[str, Any]], current: list[dict[str, Any]], merge_key: str) -> bool:
    wanted = [identity(i[merge_key]) for i in modified]
    present = set(wanted)
    return [k for k in (identity(i[merge_key]) for i in current) if k in present] != wanted


def _diff_primitive_lists(field: str, original: list[Any], modified: list[Any], current: list[Any]) -> dict[str, Any]:
    """Merge lists of scalars (finalizers): add what is missing, delete what this user dropped."""
    out: dict[str, Any] = {}
    added = [v for v in modified if v not in current]
    dropped = [v for v in original if v not in modified and v in current]
    if added:
        out[field] = added
    if dropped:
        out[f"{DELETE_FROM_PRIMITIVE_LIST}{field}"] = dropped
    return out
