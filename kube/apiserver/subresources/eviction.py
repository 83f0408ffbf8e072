"""pods/eviction: a delete that honours PodDisruptionBudgets (429 when one would break).

The decision is the eviction module's (kube.apiserver.eviction.check_eviction);
here is the I/O around it: the namespace's budgets and pods from the cache, the
budget's status charged before the pod goes (as Kubernetes does, so two
concurrent evictions cannot both spend the last allowed disruption).
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from kube.api.errors import StatusError, bad_request, too_many_requests
from kube.api.registry import by_gvk
from kube.apiserver.handlers.delete import DeleteOptions, delete_one
from kube.apiserver.handlers.encoding import decode_object, json_response, read_body, success_status
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.object_filter import ObjectFilter
from kube.apiserver.storage.write_path import MAX_ATTEMPTS

PDB = by_gvk("policy", "v1", "PodDisruptionBudget")


def _options(body: dict[str, Any]) -> DeleteOptions:
    raw = body.get("deleteOptions") or {}
    if not isinstance(raw, dict):
        raise bad_request("deleteOptions must be an object")
    opts = DeleteOptions()
    grace = raw.get("gracePeriodSeconds")
    if isinstance(grace, int) and not isinstance(grace, bool):
        opts.grace_period = max(grace, 0)
    pre = raw.get("preconditions") or {}
    if isinstance(pre, dict):
        opts.precondition_uid = str(pre.get("uid") or "")
        opts.precondition_rv = str(pre.get("resourceVersion") or "")
    opts.dry_run = "All" in (raw.get("dryRun") or [])
    return opts


async def evict(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    from kube.apiserver.eviction import check_eviction

    body = decode_object(await read_body(request, state.config.max_body_bytes), request.headers.get("Content-Type", ""))
    if body.get("kind") not in (None, "", "Eviction"):
        raise bad_request(f"the kind in the data ({body.get('kind')}) does not match the expected kind (Eviction)")
    name, ns, pods_kind = info.name, info.namespace, info.kind
    opts = _options(body)
    assert PDB is not None
    for _ in range(MAX_ATTEMPTS):
        pod = await state.objects.must_get(pods_kind, ns, name)
        await state.cache.consistent()
        pdbs = state.cache.caches[PDB].select(ObjectFilter(ns))
        pods = state.cache.caches[pods_kind].select(ObjectFilter(ns))
        decision = check_eviction(pod, pdbs, pods)
        if not decision.allowed:
            raise decision.error()
        if decision.pdb is not None and decision.new_status is not None and not opts.dry_run:
            if not await _charge(state, decision.pdb, decision.new_status):
                continue  # the budget changed under us: decide again
        await delete_one(state, pods_kind, ns, name, opts)
        return json_response(success_status("pods", name, "") | {"code": 201}, 201)
    raise too_many_requests("the disruption budget is changing too fast; try again", 1)


async def _charge(state: ServerState, pdb: dict[str, Any], new_status: dict[str, Any]) -> bool:
    """Write the budget's status the eviction implies; False when the budget moved meanwhile."""
    assert PDB is not None
    new = copy.deepcopy(pdb)
    new["status"] = new_status
    try:
        await state.objects.update(PDB, new, int(pdb["metadata"]["resourceVersion"]))
    except StatusError as exc:
        if exc.reason == "Conflict":
            return False
        raise
    return True
