"""The `scale` subresource: an autoscaling/v1 Scale view of a Deployment or ReplicaSet.

Writes go through the ordinary update path, so a new replica count bumps the
generation exactly as a spec edit does (kubectl rollout status depends on it).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kube.api.errors import bad_request, invalid_object
from kube.api.errors import invalid as field_invalid
from kube.api.meta import Obj
from kube.apiserver.handlers.encoding import decode_object, dry_run, json_response, read_body
from kube.apiserver.handlers.patch import make_patcher
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.write_path import update_object


def selector_string(selector: Any) -> str:
    """A label selector object as the string Scale.status.selector carries."""
    if not isinstance(selector, dict):
        return ""
    if all(isinstance(v, str) for v in selector.values()):  # a plain map (ReplicationController's)
        return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def to_scale(obj: Obj) -> Obj:
    meta = obj["metadata"]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": spec.get("replicas", 1)},
        "status": {"replicas": status.get("replicas", 0), "selector": selector_string(spec.get("selector"))},
    }


def _replicas(kind: str, name: str, scale: dict[str, Any]) -> int:
    spec = scale.get("spec")
    replicas = spec.get("replicas") if isinstance(spec, dict) else None
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise invalid_object("Scale", name, [field_invalid("spec.replicas", replicas,
                                                           "must be greater than or equal to 0")], "autoscaling")
    return replicas


async def get_scale(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    return json_response(to_scale(await state.objects.must_get(info.kind, info.namespace, info.name)))


async def write_scale(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    kind = info.kind
    raw = await read_body(request, state.config.max_body_bytes)
    content_type = request.headers.get("Content-Type", "")
    if request.method == "PUT":
        body = decode_object(raw, content_type)
        if body.get("kind") not in (None, "", "Scale"):
            raise bad_request(f"the kind in the data ({body.get('kind')}) does not match the expected kind (Scale)")

        def edit(scale: dict[str, Any]) -> dict[str, Any]:
            return body
    else:
        patcher = make_patcher(kind, info.name, content_type, raw, request.query.get("fieldManager", ""), False)

        def edit(scale: dict[str, Any]) -> dict[str, Any]:
            return patcher(scale)

    def transform(current: Obj | None) -> Obj:
        assert current is not None
        scale = edit(to_scale(current))
        replicas = _replicas(kind.kind, info.name, scale)
        current.setdefault("spec", {})["replicas"] = replicas
        wanted = (scale.get("metadata") or {}).get("resourceVersion") if isinstance(scale, dict) else None
        if wanted:
            current["metadata"]["resourceVersion"] = wanted
        return current

    obj, _ = await update_object(state, kind, info.namespace, info.name, transform, dry_run=dry_run(request))
    return json_response(to_scale(obj))
