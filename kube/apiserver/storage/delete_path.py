"""Deleting one object, with Kubernetes' graceful and finalizer semantics, for every caller
(DELETE, deletecollection, pods/eviction).

An object is removed at once unless something must happen first: finalizers
(including `orphan` / `foregroundDeletion` that propagationPolicy adds for the
garbage collector), or what its strategy waits for (`deletion_grace`: a bound
pod's grace period, which its node agent ends with gracePeriodSeconds=0;
`waits_before_removal`: a namespace's emptying by the namespace controller).
Then the object only gets its deletionTimestamp, and the write that clears the
last reason removes it (`write_path.update_object`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kube.api.errors import StatusError, conflict
from kube.api.meta import Obj
from kube.api.registry import KindInfo
from kube.apiserver.state import ServerState
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
    orphan_dependents_false: bool = False  # the legacy field set to false: the only case answered 202


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


def mark_deleting(kind: KindInfo, old: Obj, opts: DeleteOptions) -> Obj | None:
    """The object with its deletion marks, or None when it can be removed now."""
    new = copy.deepcopy(old)
    meta = new["metadata"]
    finalizers = list(meta.get("finalizers") or [])
    strategy = strategy_for(kind)
    propagation = opts.propagation or strategy.default_propagation
    if propagation == "Orphan" and "orphan" not in finalizers:
        finalizers.append("orphan")
    elif propagation == "Foreground" and "foregroundDeletion" not in finalizers:
        finalizers.append("foregroundDeletion")
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
        marked = mark_deleting(kind, old, opts)
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
