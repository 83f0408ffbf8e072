"""Bootstrap policy reconciliation at every API server start (Kubernetes' `rbac/bootstrap-roles`
post-start hook, with its `reconcile` semantics).

Missing objects are created. An existing one whose `rbac.authorization.kubernetes.io/autoupdate`
annotation is not "false" gets what the policy adds (rules, aggregation selectors, subjects,
labels, annotations) without losing what a user added; with "false" it is left alone. A
binding's roleRef is never changed. Aggregated bootstrap roles get their aggregated rules here
too, so `admin`, `edit` and `view` work before the controller manager first runs.
"""

from __future__ import annotations

import logging
from typing import Any

from kube.api.errors import StatusError
from kube.api.meta import Obj
from kube.api.rbac_aggregation import aggregated_rules
from kube.api.registry import by_gvk
from kube.apiserver.rbac.policy import AUTOUPDATE, GROUP, bootstrap_objects
from kube.apiserver.state import ServerState
from kube.apiserver.storage.object_store import decode
from kube.apiserver.storage.write_path import create_object, update_object

log = logging.getLogger("kube.apiserver.rbac")


def _merge_list(current: list[Any], wanted: list[Any]) -> list[Any]:
    return [*current, *(w for w in wanted if w not in current)]


def reconciled(current: Obj, wanted: Obj) -> Obj | None:
    """The object after reconciliation, or None when nothing needs writing."""
    meta = current.setdefault("metadata", {})
    if (meta.get("annotations") or {}).get(AUTOUPDATE) == "false":
        return None
    out = {**current, "metadata": {**meta}}
    out["metadata"]["labels"] = {**wanted["metadata"]["labels"], **(meta.get("labels") or {})}
    out["metadata"]["annotations"] = {**wanted["metadata"]["annotations"], **(meta.get("annotations") or {})}
    if "rules" in wanted:
        if "aggregationRule" in wanted:
            agg = dict(current.get("aggregationRule") or {})
            agg["clusterRoleSelectors"] = _merge_list(agg.get("clusterRoleSelectors") or [],
                                                      wanted["aggregationRule"]["clusterRoleSelectors"])
            out["aggregationRule"] = agg
        else:
            out["rules"] = _merge_list(current.get("rules") or [], wanted["rules"])
    else:
        out["subjects"] = _merge_list(current.get("subjects") or [], wanted["subjects"])
    return None if out == current else out


async def reconcile_bootstrap_policy(state: ServerState) -> None:
    for wanted in bootstrap_objects():
        kind = by_gvk(GROUP, "v1", wanted["kind"])
        assert kind is not None
        ns, name = wanted["metadata"].get("namespace", ""), wanted["metadata"]["name"]
        current = await state.objects.get(kind, ns, name)
        try:
            if current is None:
                await create_object(state, kind, wanted)
                continue
            fresh = reconciled(current, wanted)
            if fresh is not None:
                await update_object(state, kind, ns, name, lambda cur, w=wanted: reconciled(cur, w) or cur)
        except StatusError as exc:
            if exc.reason not in ("AlreadyExists", "Conflict"):  # another API server got there first
                raise
    await _aggregate_bootstrap_roles(state)


async def _aggregate_bootstrap_roles(state: ServerState) -> None:
    kind = by_gvk(GROUP, "v1", "ClusterRole")
    assert kind is not None
    roles = [r for r in await _all(state, kind) if isinstance(r, dict)]
    for role in roles:
        rules = aggregated_rules(role, roles)
        if rules is None or rules == role.get("rules"):
            continue
        name = role["metadata"]["name"]
        await update_object(state, kind, "", name, lambda cur, r=rules: {**cur, "rules": r})


async def _all(state: ServerState, kind: Any) -> list[Obj]:
    page = await state.objects.range(kind.key_prefix())
    return [decode(kv) for kv in page.items]
