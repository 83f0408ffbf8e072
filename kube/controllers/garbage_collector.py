"""Garbage collector: dependents follow their owners (ownerReferences).

- Background: a dependent whose owners are all gone is deleted; one that still has
  a live owner only loses the dangling references.
- Foreground: an owner being deleted with the `foregroundDeletion` finalizer has its
  dependents deleted (foreground too); once no dependent with blockOwnerDeletion is
  left, the finalizer is removed and the API server removes the owner.
- Orphan: an owner being deleted with the `orphan` finalizer has its reference removed
  from every dependent, then the finalizer.

`reconcile_gc` is pure over a snapshot of the objects. "Owner gone" is only a guess from
a cache that may lag, so Deletes carry the owners to re-check live before acting.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from kube.api.meta import Obj
from kube.api.registry import KINDS, KindInfo, by_api_version
from kube.controllers.actions import Action, Delete, DeleteDependent, Patch
from kube.controllers.loop import ControllerLoop, final_state
from kube.controllers.owner_graph import OwnerGraph

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


def _kind(obj: Obj) -> KindInfo | None:
    return by_api_version(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))


def _meta(obj: Obj) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _refs(obj: Obj) -> list[dict[str, Any]]:
    refs = _meta(obj).get("ownerReferences")
    return [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []


def reconcile_gc(objects: Iterable[Obj]) -> list[Action]:
    """Every action the snapshot calls for: each object's as a dependent, then as an owner."""
    objs = list(objects)
    by_uid = {_meta(o).get("uid"): o for o in objs if _meta(o).get("uid")}
    dependents: dict[str, list[Obj]] = {}
    for obj in objs:
        for ref in _refs(obj):
            dependents.setdefault(str(ref.get("uid")), []).append(obj)
    actions = [a for obj in objs for a in dependent_actions(obj, by_uid)]
    return actions + [a for owner in objs for a in owner_actions(owner, dependents.get(str(_meta(owner).get("uid")), []))]


def dependent_actions(obj: Obj, by_uid: Mapping[Any, Obj]) -> list[Action]:
    """What `obj` needs as a dependent, its owners looked up by uid: deleted when none is left,
    its dangling references dropped, or deleted in the foreground with its owners."""
    kind = _kind(obj)
    refs = _refs(obj)
    if kind is None or not refs:
        return []
    meta = _meta(obj)
    ns = meta.get("namespace", "")
    live = [r for r in refs if _owner_present(by_uid.get(r.get("uid")), r, ns)]
    dangling = [r for r in refs if r not in live]
    if not live:
        if meta.get("deletionTimestamp"):
            return []
        return [DeleteDependent(kind, ns, meta.get("name", ""), uid=meta.get("uid", ""),
                                propagation="Background", owners=tuple(dangling))]
    actions: list[Action] = []
    if dangling:
        actions.append(Patch(kind, ns, meta.get("name", ""), {"metadata": {
            "ownerReferences": live, "resourceVersion": meta.get("resourceVersion")}}))
    deleting_owners = [by_uid[r["uid"]] for r in live if _meta(by_uid[r["uid"]]).get("deletionTimestamp")]
    if any(FOREGROUND in (_meta(o).get("finalizers") or []) for o in deleting_owners) \
            and not meta.get("deletionTimestamp") \
            and not any(ORPHAN in (_meta(o).get("finalizers") or []) for o in deleting_owners):
        if all(_meta(by_uid[r["uid"]]).get("deletionTimestamp") for r in live):
            actions.append(Delete(kind, ns, meta.get("name", ""), uid=meta.get("uid", ""),
                                  propagation="Foreground"))
    return actions


def owner_actions(owner: Obj, mine: list[Obj]) -> list[Action]:
    """What `owner`, being deleted with the orphan or foreground finalizer, needs given its
    dependents `mine`: their references removed, or its finalizer once none blocks."""
    meta = _meta(owner)
    finalizers = list(meta.get("finalizers") or [])
    if not meta.get("deletionTimestamp") or not ({FOREGROUND, ORPHAN} & set(finalizers)):
        return []
    kind = _kind(owner)
    if kind is None:
        return []
    uid = meta.get("uid")
    actions: list[Action] = []
    if ORPHAN in finalizers:
        for dep in mine:
            dmeta = _meta(dep)
            dkind = _kind(dep)
            if dkind is not None:
                kept = [r for r in _refs(dep) if r.get("uid") != uid]
                actions.append(Patch(dkind, dmeta.get("namespace", ""), dmeta.get("name", ""), {"metadata": {
                    "ownerReferences": kept or None, "resourceVersion": dmeta.get("resourceVersion")}}))
        if not mine:
            actions.append(_drop_finalizer(kind, owner, ORPHAN))
    elif FOREGROUND in finalizers:
        blocking = [d for d in mine if any(r.get("uid") == uid and r.get("blockOwnerDeletion") for r in _refs(d))]
        if not blocking:
            actions.append(_drop_finalizer(kind, owner, FOREGROUND))
    return actions


def _owner_present(owner: Obj | None, ref: dict[str, Any], namespace: str) -> bool:
    if owner is None:
        return False
    return owner.get("kind") == ref.get("kind") and _meta(owner).get("namespace", "") in ("", namespace)


def _drop_finalizer(kind: KindInfo, owner: Obj, finalizer: str) -> Patch:
    meta = _meta(owner)
    left = [f for f in meta.get("finalizers") or [] if f != finalizer]
    return Patch(kind, meta.get("namespace", ""), meta.get("name", ""),
                 {"metadata": {"finalizers": left or None, "resourceVersion": meta.get("resourceVersion")}})


# --- the loop ------------------------------------------------------------------------------------

GC_KINDS = ("Deployment", "ReplicaSet", "Pod", "Service", "Endpoints", "ConfigMap", "Secret",
            "PodDisruptionBudget", "Lease", "Node", "DaemonSet", "ControllerRevision", "ReplicationController",
            "Job", "CronJob")


class GarbageCollectorController(ControllerLoop):
    """Keys are uids: an event puts the uids it touches on the queue (kube/controllers/
    owner_graph.py), and a sync reconciles that one object, as a dependent and as an owner."""

    name = "garbagecollector"

    def setup(self) -> None:
        self.graph = OwnerGraph()
        self.informers = [self.ctx.factory.informer_for(k) for k in KINDS if k.kind in GC_KINDS]
        for informer in self.informers:
            informer.add_handler(self._changed, self._updated, self._deleted)

    def _touch(self, uids: set[str]) -> None:
        for uid in uids:
            self.enqueue(uid)

    def _changed(self, obj: Obj) -> None:
        self._touch(self.graph.put(obj))

    def _updated(self, _old: Obj, new: Obj) -> None:
        self._touch(self.graph.put(new))

    def _deleted(self, obj: object) -> None:
        self._touch(self.graph.remove(final_state(obj)))

    async def started(self) -> None:
        for informer in self.informers:  # what the caches held before the handlers saw it
            for obj in informer.store.list():
                self._touch(self.graph.put(obj))

    async def sync(self, key: Hashable) -> float | None:
        obj = self.graph.by_uid.get(str(key))
        if obj is None:
            return None
        actions = dependent_actions(obj, self.graph.by_uid) + owner_actions(obj, self.graph.dependents(str(key)))
        if actions:
            await self.ctx.executor.run(actions, "garbagecollector")
        return None
