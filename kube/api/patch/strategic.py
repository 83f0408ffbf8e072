"""Applying a strategic merge patch: JSON merge patch plus merge keys and `$` directives.

Lists whose field is tagged `merge` (see merge_keys.py) merge element by element
(by merge key, or as a set of primitives); other lists are replaced. Directives:
`$patch: replace|delete|merge` (in a map, or as a list element), `$retainKeys`,
`$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`; null deletes a key.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kube.api.depth import check_depth
from kube.api.patch.errors import PatchError
from kube.api.patch.merge_keys import NO_TAGS, FieldPatch, field_patch, root_type

PATCH = "$patch"
RETAIN_KEYS = "$retainKeys"
SET_ELEMENT_ORDER = "$setElementOrder/"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/"


def apply_strategic_merge_patch(original: dict[str, Any] | None, patch: dict[str, Any], kind: str) -> dict[str, Any]:
    """The object `original` becomes under `patch`, with `kind`'s merge keys; inputs are not modified."""
    if not isinstance(patch, dict):
        raise PatchError(f"a strategic merge patch must be a JSON object, not {type(patch).__name__}")
    if original is None:
        original = {}
    if not isinstance(original, dict):
        raise PatchError("a strategic merge patch applies to a JSON object")
    check_depth(patch)  # the merge recurses as deep as the patch goes
    return _merge_map(copy.deepcopy(original), patch, root_type(kind), "")


def is_merge_list(info: FieldPatch) -> bool:
    return "merge" in (info.strategy or "").split(",")


def identity(value: Any) -> str:
    """A hashable, type-exact stand-in for a JSON value (merge key values, primitive list items)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _merge_map(original: dict[str, Any], patch: dict[str, Any], type_name: str | None, path: str) -> dict[str, Any]:
    """Merge `patch` into `original`, which this call owns and may change."""
    directive = patch.get(PATCH)
    if directive == "replace":
        return _merge_map({}, {k: v for k, v in patch.items() if k != PATCH}, type_name, path)
    if directive == "delete":
        return {}
    if directive not in (None, "merge"):
        raise PatchError(f"{path or 'patch'}: unknown $patch directive {directive!r} (want replace, delete or merge)")

    retain = patch.get(RETAIN_KEYS)
    if retain is not None:
        if not isinstance(retain, list) or not all(isinstance(k, str) for k in retain):
            raise PatchError(f"{path or 'patch'}: $retainKeys must be a list of field names")
        for key in [k for k in original if k not in retain]:
            del original[key]

    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            field = key[len(DELETE_FROM_PRIMITIVE_LIST):]
            if not isinstance(value, list):
                raise PatchError(f"{_where(path, key)}: must be a list of values to delete")
            current = original.get(field)
            if isinstance(current, list):
                doomed = {identity(v) for v in value}
                original[field] = [v for v in current if identity(v) not in doomed]
        elif key.startswith(SET_ELEMENT_ORDER):
            if not isinstance(value, list):
                raise PatchError(f"{_where(path, key)}: must be a list")
            orders[key[len(SET_ELEMENT_ORDER):]] = value

    for key, value in patch.items():
        if key in (PATCH, RETAIN_KEYS) or key.startswith((SET_ELEMENT_ORDER, DELETE_FROM_PRIMITIVE_LIST)):
            continue
        info = field_patch(type_name, key)
        where = _where(path, key)
        if value is None:
            original.pop(key, None)
            continue
        current = original.get(key)
        if isinstance(value, dict) and isinstance(current, dict) and info.strategy != "replace":
            original[key] = _merge_map(current, value, info.type, where)
        elif isinstance(value, list) and isinstance(current, list):
            original[key] = _merge_list(current, value, info, where)
        else:
            original[key] = fresh(value, info, where)

    for field, order in orders.items():
        current = original.get(field)
        if isinstance(current, list):
            original[field] = _reorder(current, order, field_patch(type_name, field).merge_key, _where(path, field))
    return original


def fresh(value: Any, info: FieldPatch = NO_TAGS, path: str = "") -> Any:
    """A patch value taken as is, with its directives processed and its nulls dropped."""
    if isinstance(value, dict):
        return _merge_map({}, value, info.type, path)
    if isinstance(value, list):
        return _merge_list([], value, info, path)
    return copy.deepcopy(value)


def _merge_list(original: list[Any], patch: list[Any], info: FieldPatch, path: str) -> list[Any]:
    element_info = FieldPatch(type=info.type)
    if not is_merge_list(info):
        return [fresh(e, element_info, path) for e in patch]
    if any(isinstance(e, dict) and e.get(PATCH) == "replace" and len(e) == 1 for e in patch):
        return [fresh(e, element_info, path) for e in patch if not (isinstance(e, dict) and e.get(PATCH) == "replace")]
    key = info.merge_key
    if key is None:  # a set of primitives: union, keeping the original order first
        result = list(original)
        seen = {identity(v) for v in result}
        for e in patch:
            if identity(e) not in seen:
                seen.add(identity(e))
                result.append(fresh(e, element_info, path))
        return result
    result = list(original)
    for e in patch:
        if not isinstance(e, dict):
            raise PatchError(f"{path}: the list is merged by {key!r}, so its elements must be objects, not {e!r}")
        if key not in e:
            raise PatchError(f"{path}: map: {json.dumps(e, sort_keys=True)} does not contain declared merge key: {key}")
        wanted = identity(e[key])
        directive = e.get(PATCH)
        if directive == "delete":
            result = [x for x in result if not (isinstance(x, dict) and identity(x.get(key)) == wanted)]
            continue
        at = next((i for i, x in enumerate(result) if isinstance(x, dict) and identity(x.get(key)) == wanted), None)
        where = f"{path}[{key}={e[key]}]"
        if at is None:
            result.append(fresh(e, element_info, where))
        elif directive == "replace":
            result[at] = fresh({k: v for k, v in e.items() if k != PATCH}, element_info, where)
        else:
            result[at] = _merge_map(result[at], e, info.type, where)
    return result


def _reorder(values: list[Any], order: list[Any], key: str | None, path: str) -> list[Any]:
    """Put the listed elements in `$setElementOrder`'s order; unlisted ones follow in their order."""
    rank: dict[str, int] = {}
    for i, item in enumerate(order):
        if key is not None:
            if not isinstance(item, dict) or key not in item:
                raise PatchError(f"{path}: $setElementOrder items must be objects holding the merge key {key!r}")
            item = item[key]
        rank.setdefault(identity(item), i)

    def ident(v: Any) -> str:
        return identity(v.get(key) if key is not None and isinstance(v, dict) else v)

    listed = sorted((v for v in values if ident(v) in rank), key=lambda v: rank[ident(v)])
    return listed + [v for v in values if ident(v) not in rank]

