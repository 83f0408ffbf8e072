"""Top-level field order as Kubernetes' encoder writes it: the order of the Go struct.

Some clients compare answers byte for byte (the Python client's `create_from_yaml`
puts a conflict's body in its error text), so a `Status` must read
`kind, apiVersion, metadata, status, message, reason, details, code` and an object
`kind, apiVersion, metadata, spec, status` as Kubernetes sends them. The top level, the
metadata every object and list carries (ObjectMeta, ListMeta) and a Status' details are
ordered; below that, clients parse. Fields a table does not name keep their order,
after the named ones. The caller's dicts are never changed (they may be the watch
cache's): a reordered level is a new dict.
"""

from __future__ import annotations

from typing import Any

_TYPE_META = ("kind", "apiVersion", "metadata")
_SPEC_STATUS = ("spec", "status")

# kind -> the fields after TypeMeta and ObjectMeta, in the Go struct's order
_BODY: dict[str, tuple[str, ...]] = {
    "Status": ("status", "message", "reason", "details", "code"),
    "ConfigMap": ("immutable", "data", "binaryData"),
    "Secret": ("immutable", "data", "stringData", "type"),
    "Endpoints": ("subsets",),
    "Event": ("involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count",
              "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance"),
    "ServiceAccount": ("secrets", "imagePullSecrets", "automountServiceAccountToken"),
    "ControllerRevision": ("data", "revision"),
    "EndpointSlice": ("addressType", "endpoints", "ports"),
    "Role": ("rules",),
    "ClusterRole": ("rules", "aggregationRule"),
    "RoleBinding": ("subjects", "roleRef"),
    "ClusterRoleBinding": ("subjects", "roleRef"),
    "Binding": ("target",),
    "Eviction": ("deleteOptions",),
    "Table": ("columnDefinitions", "rows"),
}
# k8s.io/apimachinery/pkg/apis/meta/v1/types.go
_OBJECT_META = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
                "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
                "ownerReferences", "finalizers", "managedFields")
_LIST_META = ("selfLink", "resourceVersion", "continue", "remainingItemCount", "shardInfo")
_LIST_META_KINDS = {"Status", "Table"}  # kinds whose metadata is a ListMeta (besides every *List)
_DETAILS = ("name", "group", "kind", "uid", "causes", "retryAfterSeconds")
_CAUSE = ("reason", "message", "field")


_UNKNOWN = ()
_PLANS: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, ...] | None] = {}


def _ordered(obj: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """`obj` in `names`' order (others after, as they were); `obj` itself when already so.
    The plan for each shape is computed once: most answers are already in order."""
    keys = tuple(obj)
    plan_key = (names, keys)
    try:
        plan = _PLANS[plan_key]
    except KeyError:
        rank = {name: i for i, name in enumerate(names)}
        wanted = tuple(sorted(keys, key=lambda k: rank.get(k, len(names))))  # stable: unnamed keep their order
        plan = None if wanted == keys else wanted
        if len(_PLANS) > 4096:
            _PLANS.clear()
        _PLANS[plan_key] = plan
    if plan is None:
        return obj
    return {k: obj[k] for k in plan}


def go_object_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """An ObjectMeta in Go's field order (`meta` itself when already so). The API server
    orders objects as it reads them from the store, so the watch cache holds them in
    order and a list of thousands is answered without rebuilding each one."""
    return _ordered(meta, _OBJECT_META)


def _with_meta(obj: dict[str, Any], source: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """`obj` (the top level already ordered, `source` when unchanged) with its metadata in
    `names`' order; a copy of the top level when the metadata moves."""
    meta = obj.get("metadata")
    if type(meta) is not dict or len(meta) < 2:
        return obj
    ordered = _ordered(meta, names)
    if ordered is meta:
        return obj
    out = dict(obj) if obj is source else obj
    out["metadata"] = ordered
    return out


def _items_in_order(items: list[Any], kind: str) -> list[Any]:
    """A list's items (one kind, mostly one shape): the plan lookup inlined, since a
    list of thousands is the hot case. Their metadata is not looked at: listed objects
    come from the store, whose reads put it in order (go_object_meta), and checking each
    again cost a list of 1,000 a fifth of its time."""
    names = (*_TYPE_META, *_BODY.get(kind, _SPEC_STATUS))
    plans = _PLANS
    out = []
    for item in items:
        if type(item) is dict and item.get("kind", kind) == kind and kind not in _LIST_META_KINDS:
            plan = plans.get((names, tuple(item)), _UNKNOWN)
            if plan is None:
                out.append(item)
                continue
            if plan is not _UNKNOWN:
                out.append({k: item[k] for k in plan})  # type: ignore[union-attr]
                continue
            out.append(_ordered(item, names))
            continue
        out.append(go_order(item, kind))
    return out


def go_order(body: Any, kind: str | None = None) -> Any:
    """`body` with its top level (and a list's items) in Kubernetes' field order; `kind`
    names the type of a body that carries none (a list's item)."""
    if not isinstance(body, dict):
        return body
    kind = body.get("kind", kind)
    if not isinstance(kind, str):
        return body
    items = body.get("items")
    if isinstance(items, list) and kind.endswith("List"):
        ordered = _ordered(body, (*_TYPE_META, "items"))
        ordered = dict(ordered) if ordered is body else ordered
        ordered["items"] = _items_in_order(items, kind[:-4])
        return _with_meta(ordered, body, _LIST_META)
    out = _ordered(body, (*_TYPE_META, *_BODY.get(kind, _SPEC_STATUS)))
    out = _with_meta(out, body, _LIST_META if kind in _LIST_META_KINDS else _OBJECT_META)
    if kind == "Status" and isinstance(out.get("details"), dict):
        details = dict(_ordered(out["details"], _DETAILS))
        causes = details.get("causes")
        if isinstance(causes, list):
            details["causes"] = [_ordered(c, _CAUSE) if isinstance(c, dict) else c for c in causes]
        out = dict(out) if out is body else out
        out["details"] = details
    return out
