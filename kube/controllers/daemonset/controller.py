"""The DaemonSet loop: DaemonSet, pod, node and ControllerRevision events -> the DaemonSet's key
-> `reconcile_daemon_set` over the cached nodes and the pods and revisions of its namespace,
with expectations so a slow watch never creates a node's pod twice."""

from __future__ import annotations

import time
from collections.abc import Hashable

from kube.api.labels import SelectorError, from_label_selector
from kube.api.meta import Obj, join_key
from kube.controllers.actions import NODE, POD
from kube.controllers.context import Context
from kube.controllers.daemonset.history import CONTROLLER_REVISION
from kube.controllers.daemonset.reconcile import DAEMONSET, reconcile_daemon_set
from kube.controllers.expectations import Expectations
from kube.controllers.loop import ControllerLoop, final_state, obj_key
from kube.controllers.owned_pods import OwnedPods

COMPONENT = "daemonset-controller"
BACKOFF_INITIAL, BACKOFF_MAX = 1.0, 900.0  # seconds between deleting failed pods on one node


def _node_changed(old: Obj, new: Obj) -> bool:
    """What can change where daemon pods belong (shouldIgnoreNodeUpdate's complement)."""
    o, n = old.get("metadata") or {}, new.get("metadata") or {}
    return o.get("labels") != n.get("labels") or (old.get("spec") or {}) != (new.get("spec") or {})


class DaemonSetController(ControllerLoop):
    name = "daemonset"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, 2)
        self.expectations = Expectations()
        self.failed_backoff: dict[tuple[str, str], tuple[float, float]] = {}  # (ds, node) -> (delay, since)

    def setup(self) -> None:
        f = self.ctx.factory
        self.sets = f.informer_for(DAEMONSET)
        self.pods = f.informer_for(POD)
        self.nodes = f.informer_for(NODE)
        self.revisions = f.informer_for(CONTROLLER_REVISION)
        self.sets.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)),
                              self._set_deleted)
        self.owned = OwnedPods("DaemonSet", self.expectations, self.enqueue, self._adopters)
        self.owned.attach(self.pods)
        self.nodes.add_handler(lambda _n: self._all(), lambda o, n: self._all() if _node_changed(o, n) else None,
                               lambda _n: self._all())
        self.revisions.add_handler(self._revision_changed, lambda _o, n: self._revision_changed(n),
                                   lambda o: self._revision_changed(final_state(o)))

    def _all(self) -> None:
        for ds in self.sets.store.list():
            self.enqueue(obj_key(ds))

    def _set_deleted(self, obj: object) -> None:
        key = obj_key(obj)
        self.expectations.forget(key)
        self.failed_backoff = {k: v for k, v in self.failed_backoff.items() if k[0] != key}
        self.enqueue(key)

    def _revision_changed(self, rev: Obj) -> None:
        owner = self.owned.owner_key(rev)
        if owner is not None:
            self.enqueue(owner)

    def _adopters(self, pod: Obj) -> list[str]:
        meta = pod.get("metadata") or {}
        keys = []
        for ds in self.sets.store.by_index("namespace", meta.get("namespace", "")):
            try:
                if from_label_selector((ds.get("spec") or {}).get("selector")).matches(meta.get("labels") or {}):
                    keys.append(obj_key(ds))
            except SelectorError:
                continue
        return keys

    async def sync(self, key: Hashable) -> float | None:
        ds = self.sets.store.get(str(key))
        if ds is None:
            self.expectations.forget(str(key))
            return None
        namespace = (ds.get("metadata") or {}).get("namespace", "")
        now = time.monotonic()
        waits = {node: delay - (now - since) for (ds_key, node), (delay, since) in self.failed_backoff.items()
                 if ds_key == key and now - since < delay}
        plan = reconcile_daemon_set(ds, self.nodes.store.list(), self.pods.store.by_index("namespace", namespace),
                                    self.revisions.store.by_index("namespace", namespace), self.ctx.now(),
                                    expectations_met=self.expectations.satisfied(str(key)),
                                    backoff=frozenset(waits))
        for node in plan.failed_nodes:
            previous, since = self.failed_backoff.get((str(key), node), (0.0, 0.0))
            previous = previous if now - since < 2 * BACKOFF_MAX else 0.0  # long quiet: start over
            self.failed_backoff[(str(key), node)] = (min(previous * 2 or BACKOFF_INITIAL, BACKOFF_MAX), now)
        if plan.creates or plan.deletes:
            self.expectations.expect(str(key), plan.creates, {join_key(d.namespace, d.name) for d in plan.deletes})
        await self.ctx.executor.run(plan.actions, f"daemonset {key}",
                                    lambda n: self.expectations.creation_observed(str(key), n),
                                    self.ctx.recorder(COMPONENT))
        requeues = [w for w in (plan.requeue_after, *waits.values()) if w is not None]
        return min(requeues) if requeues else None
