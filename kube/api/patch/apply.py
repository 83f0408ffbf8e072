"""Server-side apply, simplified: strategic merge plus field ownership per manager.

Each manager's last applied configuration is remembered as a field set in
`metadata.managedFields`; applying again removes what that manager set before
and no longer sets, unless another manager also owns it. There is no conflict
detection: applying always wins (as with `--force-conflicts`).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from kube.api.depth import check_depth
from kube.api.patch.errors import PatchError
from kube.api.patch.managed_fields import Path, field_paths, from_fields_v1, remove_paths, to_fields_v1
from kube.api.patch.strategic import apply_strategic_merge_patch, fresh

APPLY = "Apply"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(obj: dict[str, Any]) -> list[dict[str, Any]]:
    entries = (obj.get("metadata") or {}).get("managedFields") or []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _is_mine(entry: dict[str, Any], manager: str) -> bool:
    return entry.get("manager") == manager and entry.get("operation") == APPLY and not entry.get("subresource")


def server_side_apply(live: dict[str, Any] | None, applied: dict[str, Any], kind: str,
                      manager: str) -> dict[str, Any]:
    """The object after `manager` applies `applied` to `live` (None: create it); inputs are not modified."""
    if not isinstance(applied, dict):
        raise PatchError("an apply configuration must be a JSON object")
    check_depth(applied)
    if not manager:
        raise PatchError("fieldManager is required for apply")
    if live is not None and not isinstance(live, dict):
        raise PatchError("server-side apply applies to a JSON object")
    config = copy.deepcopy(applied)
    meta = config.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise PatchError("metadata must be an object")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    owned = field_paths(config, kind)

    if live is None:
        result = fresh(config)
        others: list[dict[str, Any]] = []
    else:
        before: set[Path] = set()
        protected: set[Path] = set()
        others = []
        for entry in _entries(live):
            paths = from_fields_v1(entry.get("fieldsV1"))
            if _is_mine(entry, manager):
                before |= paths
            else:
                protected |= paths
                others.append(copy.deepcopy(entry))
        pruned = copy.deepcopy(live)
        doomed = before - owned - protected
        leaves = {p for p in before if not any(q[: len(p)] == p and q != p for q in before)}
        remove_paths(pruned, doomed, leaves)
        result = apply_strategic_merge_patch(pruned, config, kind)

    entry = {"manager": manager, "operation": APPLY, "apiVersion": config.get("apiVersion", ""),
             "time": _now(), "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(owned)}
    result_meta = result.setdefault("metadata", {})
    if not isinstance(result_meta, dict):
        raise PatchError("metadata must be an object")
    result_meta["managedFields"] = others + [entry]
    return result
