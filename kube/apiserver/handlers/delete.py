"""delete and deletecollection: DeleteOptions from the request, then storage/delete_path.py per object."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kube.api.errors import StatusError, bad_request, invalid_object
from kube.api.errors import not_supported as field_not_supported
from kube.api.meta import Obj
from kube.apiserver.handlers.encoding import decode, json_response, read_body, success_status
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.delete_path import POLICIES, DeleteOptions, delete_one
from kube.apiserver.storage.object_filter import build_filter
from kube.apiserver.strategies import strategy_for


async def read_options(request: web.Request, state: ServerState) -> DeleteOptions:
    """DeleteOptions from the body (JSON or YAML) and the query; the query wins, as in Kubernetes."""
    raw = await read_body(request, state.config.max_body_bytes)
    body: Obj = {}
    if raw.strip():
        decoded = decode(raw, request.headers.get("Content-Type", ""))
        if not isinstance(decoded, dict):
            raise bad_request("DeleteOptions must be a JSON object")
        body = decoded
    q = request.query
    opts = DeleteOptions()
    grace: Any = q.get("gracePeriodSeconds", body.get("gracePeriodSeconds"))
    if grace is not None and grace != "":
        try:
            opts.grace_period = max(int(grace), 0)
        except (TypeError, ValueError):
            raise bad_request(f'invalid gracePeriodSeconds "{grace}"') from None
    propagation = q.get("propagationPolicy", body.get("propagationPolicy")) or ""
    if body.get("orphanDependents") is True or q.get("orphanDependents") == "true":
        propagation = propagation or "Orphan"
    opts.orphan_dependents_false = body.get("orphanDependents") is False or q.get("orphanDependents") == "false"
    if propagation and propagation not in POLICIES:
        raise invalid_object("DeleteOptions", "", [field_not_supported("propagationPolicy", propagation,
                                                                       list(POLICIES))], "meta.k8s.io")
    opts.propagation = str(propagation)
    pre = body.get("preconditions") or {}
    if not isinstance(pre, dict):
        raise bad_request("preconditions must be an object")
    opts.precondition_uid = str(pre.get("uid") or "")
    opts.precondition_rv = str(pre.get("resourceVersion") or "")
    dry = q.getall("dryRun", []) + (body.get("dryRun") or [] if isinstance(body.get("dryRun"), list) else [])
    opts.dry_run = "All" in dry
    return opts


async def delete(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    opts = await read_options(request, state)
    kind = info.kind
    obj, removed = await delete_one(state, kind, info.namespace, info.name, opts)
    if not removed or strategy_for(kind).returns_deleted_object:
        # Kubernetes answers 200 for an object kept by a grace period or finalizers too, and 202
        # only when it is kept and the client asked, with orphanDependents=false, for a cascade
        accepted = not removed and not opts.dry_run and opts.orphan_dependents_false
        return json_response(obj, 202 if accepted else 200)
    return json_response(success_status(kind.plural, info.name, kind.group, obj["metadata"].get("uid", "")))


async def delete_collection(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    kind = info.kind
    opts = await read_options(request, state)
    q = request.query
    flt = build_filter(kind, info.namespace, q.get("labelSelector", ""), q.get("fieldSelector", ""))
    await state.cache.consistent()
    deleted = []
    for obj in state.cache.caches[kind].select(flt):
        meta = obj["metadata"]
        try:
            done, _ = await delete_one(state, kind, meta.get("namespace", ""), meta["name"], opts)
        except StatusError as exc:
            if exc.code == 404:
                continue
            raise
        deleted.append(done)
    return json_response({"kind": kind.list_kind_name, "apiVersion": kind.api_version,
                          "metadata": {"resourceVersion": str(state.cache.revision)}, "items": deleted})
