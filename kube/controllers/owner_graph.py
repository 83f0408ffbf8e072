"""The garbage collector's graph, kept from informer events: objects by uid, and each
owner's dependents, as Kubernetes' GraphBuilder keeps its uidToNode.

It says which uids an event touches, so the collector looks at those alone. Walking every
cached object on each change (what it did before) was 92% of the controller manager's
CPU at 50,000 pods (py-spy, docs/benchmarks.md), taken from the API server on the same cores.
"""

from __future__ import annotations

from typing import Any

from kube.api.meta import Obj


def _meta(obj: Obj) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _owner_uids(obj: Obj) -> frozenset[str]:
    refs = _meta(obj).get("ownerReferences")
    if not isinstance(refs, list):
        return frozenset()
    return frozenset(str(r.get("uid")) for r in refs if isinstance(r, dict) and r.get("uid"))


def _as_owner(obj: Obj) -> tuple:
    """What a dependent reads of its owner: its kind and namespace, whether and how it is being deleted."""
    meta = _meta(obj)
    return (obj.get("kind"), meta.get("namespace"), bool(meta.get("deletionTimestamp")), meta.get("finalizers"))


class OwnerGraph:
    def __init__(self) -> None:
        self.by_uid: dict[str, Obj] = {}
        self._owners: dict[str, frozenset[str]] = {}  # dependent uid -> its owners' uids
        self._dependents: dict[str, set[str]] = {}  # owner uid -> its dependents' uids

    def dependents(self, uid: str) -> list[Obj]:
        return [self.by_uid[d] for d in self._dependents.get(uid, ()) if d in self.by_uid]

    def put(self, obj: Obj) -> set[str]:
        """Add or replace `obj`; the uids whose actions may have changed."""
        uid = str(_meta(obj).get("uid") or "")
        if not uid:
            return set()
        old = self.by_uid.get(uid)
        self.by_uid[uid] = obj
        before, after = self._owners.get(uid, frozenset()), _owner_uids(obj)
        if before != after:
            for owner in before - after:
                self._unlink(owner, uid)
            for owner in after - before:
                self._dependents.setdefault(owner, set()).add(uid)
            self._owners[uid] = after
        touched = {uid} if after or _meta(obj).get("deletionTimestamp") else set()
        touched |= {o for o in before | after if self._deleting(o)}  # an owner waiting on its dependents
        if old is None or _as_owner(old) != _as_owner(obj):
            touched |= self._dependents.get(uid, set())  # they judge their owners by these fields
        return touched

    def remove(self, obj: Obj) -> set[str]:
        """Drop `obj`; its dependents (orphans now?) and its deleting owners are touched."""
        uid = str(_meta(obj).get("uid") or "")
        if not uid or self.by_uid.pop(uid, None) is None:
            return set()
        owners = self._owners.pop(uid, frozenset())
        for owner in owners:
            self._unlink(owner, uid)
        return set(self._dependents.get(uid, set())) | {o for o in owners if self._deleting(o)}

    def _deleting(self, uid: str) -> bool:
        owner = self.by_uid.get(uid)
        return owner is not None and bool(_meta(owner).get("deletionTimestamp"))

    def _unlink(self, owner: str, dependent: str) -> None:
        deps = self._dependents.get(owner)
        if deps is not None:
            deps.discard(dependent)
            if not deps:
                del self._dependents[owner]
