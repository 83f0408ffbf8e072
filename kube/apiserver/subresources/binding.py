"""pods/binding: the scheduler's one write. Sets spec.nodeName once; a second binding
is 409 Conflict, so two schedulers can never place one pod twice."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from kube.api.errors import StatusError, bad_request, conflict, invalid_object
from kube.api.errors import required as field_required
from kube.apiserver.encoding import decode_object, json_response, read_body, success_status
from kube.apiserver.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.write_path import MAX_ATTEMPTS


def _target(body: dict[str, Any], name: str) -> str:
    if body.get("kind") not in (None, "", "Binding"):
        raise bad_request(f"the kind in the data ({body.get('kind')}) does not match the expected kind (Binding)")
    meta = body.get("metadata") or {}
    if isinstance(meta, dict) and meta.get("name") not in (None, "", name):
        raise bad_request(f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})")
    target = body.get("target")
    node = target.get("name") if isinstance(target, dict) else None
    if not isinstance(node, str) or not node:
        raise invalid_object("Binding", name, [field_required("target.name")])
    if isinstance(target, dict) and target.get("kind") not in (None, "", "Node"):
        raise invalid_object("Binding", name, [field_required("target.kind", "must be Node")])
    return node


def _bound(pod: dict[str, Any], node: str) -> dict[str, Any]:
    pod = copy.deepcopy(pod)
    pod.setdefault("spec", {})["nodeName"] = node
    status = pod.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now})
    status["conditions"] = conditions
    return pod


async def bind(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    body = decode_object(await read_body(request, state.config.max_body_bytes), request.headers.get("Content-Type", ""))
    name = info.name
    node = _target(body, name)
    kind = info.kind
    for _ in range(MAX_ATTEMPTS):
        pod = await state.objects.must_get(kind, info.namespace, name)
        if pod["metadata"].get("deletionTimestamp"):
            raise conflict("pods/binding", name, f"pod {name} is being deleted, cannot be assigned to a host")
        current = (pod.get("spec") or {}).get("nodeName")
        if current:
            raise conflict("pods/binding", name, f'pod {name} is already assigned to node "{current}"')
        try:
            await state.objects.update(kind, _bound(pod, node), int(pod["metadata"]["resourceVersion"]))
        except StatusError as exc:
            if exc.reason == "Conflict":
                continue
            raise
        return json_response(success_status("pods", name, "") | {"code": 201}, 201)
    raise conflict("pods/binding", name, "too many concurrent changes; try again")
