"""delete and deletecollection, with Kubernetes' graceful and finalizer semantics.

An object is removed at once unless something must happen first: finalizers
(including `orphan` / `foregroundDeletion` that propagationPolicy adds for the
garbage collector), or what its strategy waits for (a bound pod's grace period,
a namespace's emptying by the namespace controller). Then the object only gets
its deletionTimestamp.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from kube.api.errors import StatusError, bad_request, conflict, invalid_object
from kube.api.errors import not_supported as field_not_supported
from kube.api.meta import Obj
from kube.api.registry import KindInfo
from kube.apiserver.handlers.encoding import decode, json_response, read_body, success_status
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.object_filter import build_filter
from kube.apiserver.storage.write_path import MAX_ATTEMPTS, after_delete
from kube.apiserver.strategies import strategy_for

POLICIES = ("Orphan", "Background", "Foreground")


@dataclass
class DeleteOptions:
    grace_period: int | None = None
    propagation: str = ""
    precondition_uid: str = ""
    precondition_rv: str = ""
    dry_run: bool = False


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


def _now(offset: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_preconditions(kind: KindInfo, obj: Obj, opts: DeleteOptions) -> None:
    meta = obj["metadata"]
    if opts.precondition_uid and opts.precondition_uid != meta.get("uid"):
        raise conflict(kind.plural, meta["name"], f"Precondition failed: UID in precondition: {opts.precondition_uid}, "
                       f"UID in object meta: {meta.get('uid', '')}", kind.group)
    if opts.precondition_rv and opts.precondition_rv != meta.get("resourceVersion"):
        raise conflict(kind.plural, meta["name"], "Precondition failed: ResourceVersion in precondition: "
                       f"{opts.precondition_rv}, ResourceVersion in object meta: {meta.get('resourceVersion')}",
                       kind.group)


def _mark_deleting(kind: KindInfo, old: Obj, opts: DeleteOptions) -> Obj | None:
    """The object with its deletion marks, or None when it can be removed now."""
    new = copy.deepcopy(old)
    meta = new["metadata"]
    finalizers = list(meta.get("finalizers") or [])
    if opts.propagation == "Orphan" and "orphan" not in finalizers:
        finalizers.append("orphan")
    elif opts.propagation == "Foreground" and "foregroundDeletion" not in finalizers:
        finalizers.append("foregroundDeletion")
    strategy = strategy_for(kind)
    grace = strategy.deletion_grace(old, opts.grace_period)
    if not finalizers and grace == 0 and not strategy.waits_before_removal(new):
        return None
    if finalizers:
        meta["finalizers"] = finalizers
    if meta.get("deletionTimestamp"):
        if grace < (meta.get("deletionGracePeriodSeconds") or 0):
            meta["deletionTimestamp"] = _now(grace)  # a shorter grace (or the node agent's 0) wins
            meta["deletionGracePeriodSeconds"] = grace
        return new
    meta["deletionTimestamp"] = _now(grace)
    meta["deletionGracePeriodSeconds"] = grace
    if isinstance(meta.get("generation"), int):
        meta["generation"] += 1
    strategy.on_deletion_marked(new)
    return new


async def delete_one(state: ServerState, kind: KindInfo, namespace: str, name: str,
                     opts: DeleteOptions) -> tuple[Obj, bool]:
    """Delete or mark for deletion; (the object, removed now?)."""
    for _ in range(MAX_ATTEMPTS):
        old = await state.objects.must_get(kind, namespace, name)
        _check_preconditions(kind, old, opts)
        rev = int(old["metadata"]["resourceVersion"])
        marked = _mark_deleting(kind, old, opts)
        if opts.dry_run:
            return (marked or old), marked is None
        try:
            if marked is None:
                gone = await state.objects.delete(kind, namespace, name, expected_revision=rev)
                await after_delete(state, kind, gone)
                return gone, True
            if marked == old:
                return old, False
            return await state.objects.update(kind, marked, rev), False
        except StatusError as exc:
            if exc.reason == "Conflict":
                continue
            raise
    raise conflict(kind.plural, name, "too many concurrent changes; try again", kind.group)


async def delete(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    opts = await read_options(request, state)
    kind = info.kind
    obj, removed = await delete_one(state, kind, info.namespace, info.name, opts)
    if not removed or strategy_for(kind).returns_deleted_object:
        return json_response(obj, 200 if removed or opts.dry_run else 202)
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
