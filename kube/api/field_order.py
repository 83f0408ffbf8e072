"""Top-level field order as Kubernetes' encoder writes it: the order of the Go struct.

Some clients compare answers byte for byte (the Python client's `create_from_yaml`
puts a conflict's body in its error text), so a `Status` must read
`kind, apiVersion, metadata, status, message, reason, details, code` and an object
`kind, apiVersion, metadata, spec, status` as Kubernetes sends them. Only the top level
(and a Status' details) is ordered: below that, clients parse. Fields a table does
not name keep their order, after the named ones.
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
    "Binding": ("target",),
    "Eviction": ("deleteOptions",),
    "Table": ("columnDefinitions", "rows"),
}
_DETAILS = ("name", "group", "kind", "uid", "causes", "retryAfterSeconds")
_CAUSE = ("reason", "message", "field")


def _ordered(obj: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    out = {name: obj[name] for name in names if name in obj}
    if len(out) != len(obj):
        out.update((k, v) for k, v in obj.items() if k not in out)
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
        ordered["items"] = [go_order(item, kind[:-4]) for item in items]
        return ordered
    out = _ordered(body, (*_TYPE_META, *_BODY.get(kind, _SPEC_STATUS)))
    if kind == "Status" and isinstance(out.get("details"), dict):
        details = _ordered(out["details"], _DETAILS)
        causes = details.get("causes")
        if isinstance(causes, list):
            details["causes"] = [_ordered(c, _CAUSE) if isinstance(c, dict) else c for c in causes]
        out["details"] = details
    return out
