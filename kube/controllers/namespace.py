"""Namespace deletion: a Namespace marked Terminating is emptied (every namespaced kind
of the registry), then its `kubernetes` finalizer is removed through /finalize and the
API server removes it; `kubectl delete ns` waits for exactly that."""

from __future__ import annotations

import logging
from collections.abc import Hashable

from kube.api.meta import Obj
from kube.api.registry import KINDS, KindInfo
from kube.controllers.actions import NAMESPACE, Action, Delete, Finalize
from kube.controllers.events import NORMAL, WARNING, note
from kube.controllers.executor import Retry
from kube.controllers.loop import ControllerLoop, obj_key

log = logging.getLogger("kube.controllers.namespace")
FINALIZER = "kubernetes"


def namespaced_kinds() -> list[KindInfo]:
    """Every namespaced kind, pods last so their owners stop recreating them first."""
    kinds = [k for k in KINDS if k.namespaced and {"list", "delete"} <= set(k.verbs)]  # not the reviews
    return sorted(kinds, key=lambda k: k.kind == "Pod")


def reconcile_namespace(ns: Obj, contents: dict[KindInfo, list[Obj]]) -> list[Action]:
    """Delete what is left in a terminating namespace, or finalize it when nothing is."""
    meta = ns.get("metadata") or {}
    if not meta.get("deletionTimestamp"):
        return []
    finalizers = [f for f in (ns.get("spec") or {}).get("finalizers") or [] if isinstance(f, str)]
    actions: list[Action] = []
    remaining = 0
    for kind, objs in contents.items():
        for obj in objs:
            remaining += 1
            ometa = obj.get("metadata") or {}
            if not ometa.get("deletionTimestamp"):
                actions.append(Delete(kind, meta.get("name", ""), ometa.get("name", ""), uid=ometa.get("uid", ""),
                                      propagation="Background"))
    if remaining == 0 and FINALIZER in finalizers:
        actions.append(Finalize(meta.get("name", ""), tuple(f for f in finalizers if f != FINALIZER),
                                meta.get("resourceVersion", ""),
                                note=note(ns, NORMAL, "NamespaceFinalized",
                                          f"All content of namespace {meta.get('name', '')} is deleted; "
                                          "the namespace is removed")))
    return actions


# --- the loop ------------------------------------------------------------------------------------

class NamespaceController(ControllerLoop):
    """Reads what is left with live lists (a cache could miss a late arrival), deletes it,
    and looks again every --namespace-sync-period until the namespace can be finalized."""

    name = "namespace"

    def setup(self) -> None:
        self.namespaces = self.ctx.factory.informer_for(NAMESPACE)
        self.namespaces.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)))

    async def sync(self, key: Hashable) -> float | None:
        ns = self.namespaces.store.get(str(key))
        if ns is None or not (ns.get("metadata") or {}).get("deletionTimestamp"):
            return None
        contents: dict[KindInfo, list[Obj]] = {}
        for kind in namespaced_kinds():
            page = await self.ctx.client.list_all(kind, str(key))
            contents[kind] = page.get("items") or []
        actions = reconcile_namespace(ns, contents)
        if any(contents.values()):
            log.info("namespace %s: deleting %d objects", key, sum(len(v) for v in contents.values()))
        recorder = self.ctx.recorder("namespace-controller")
        try:
            await self.ctx.executor.run(actions, f"namespace {key}", recorder=recorder)
        except Retry as exc:
            recorder.record(note(ns, WARNING, "NamespaceDeletionContentFailure",
                                 f"Failed to delete some content of namespace {key}: {exc}"))
            raise
        return None if any(isinstance(a, Finalize) for a in actions) else self.ctx.options.namespace_sync_period
