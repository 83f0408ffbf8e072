"""pods/binding: the scheduler's one write. Sets spec.nodeName once; a second binding
is 409 Conflict, so two schedulers can never place one pod twice.

The first attempt starts from the watch cache's copy (as Kubernetes' GuaranteedUpdate
uses its cached object): the write is a compare-and-swap on that copy's revision, so
a stale copy only costs a retry from the store, never a wrong write. That saves the
store read on the hot path of a scheduler binding thousands of pods a second.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from kube.api.errors import StatusError, bad_request, conflict, invalid_object
from kube.api.errors import required as field_required
from kube.api.meta import Obj
from kube.apiserver.handlers.encoding import decode_object, json_response, read_body, success_status
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.write_path import MAX_ATTEMPTS


def _target(body: Obj, name: str) -> str:
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


def _bound(pod: Obj, node: str) -> Obj:
    """A copy with nodeName and PodScheduled set; shares untouched parts (the input may be the cache's)."""
    status = dict(pod.get("status") or {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now})
    status["conditions"] = conditions
    return {**pod, "metadata": dict(pod["metadata"]), "spec": {**(pod.get("spec") or {}), "nodeName": node},
            "status": status}


def _uid(body: Obj) -> str:
    meta = body.get("metadata")
    uid = meta.get("uid") if isinstance(meta, dict) else None
    return uid if isinstance(uid, str) else ""


def _cached(state: ServerState, info: RequestInfo, uid: str) -> Obj | None:
    """The watch cache's copy when it can be trusted as a CAS starting point (never for a 409)."""
    cache = state.cache.caches.get(info.kind) if state.cache.ready.is_set() else None
    pod = cache.objects.get(info.kind.key(info.namespace, info.name)) if cache is not None else None
    if pod is None or pod["metadata"].get("deletionTimestamp") or (pod.get("spec") or {}).get("nodeName"):
        return None
    if uid and pod["metadata"].get("uid") != uid:
        return None
    return pod


async def bind(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    body = decode_object(await read_body(request, state.config.max_body_bytes), request.headers.get("Content-Type", ""))
    name = info.name
    node = _target(body, name)
    kind = info.kind
    uid = _uid(body)  # a precondition, as Kubernetes': a pod re-created under the name is not the one decided on
    suggestion = _cached(state, info, uid)
    for _ in range(MAX_ATTEMPTS):
        pod = suggestion or await state.objects.must_get(kind, info.namespace, name)
        suggestion = None
        if uid and pod["metadata"].get("uid") != uid:
            raise conflict("pods/binding", name, f"Precondition failed: UID in precondition: {uid}, "
                                                 f"UID in object meta: {pod['metadata'].get('uid', '')}")
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
