"""ReplicaSet controller: keep `spec.replicas` pods of the template running.

`reconcile_replica_set` is pure: the ReplicaSet, the pods of its namespace and the
time in; pod creations/deletions, adoption/release patches and the new status out.
The loop (below) adds expectations so a slow watch never causes double
creation, and runs creations in slow-start batches.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime

from kube.api.labels import Selector, SelectorError, from_label_selector, from_labels
from kube.api.meta import Obj, join_key, object_key
from kube.api.registry import KindInfo
from kube.controllers.actions import POD, REPLICASET, Action, CreatePod, DeletePod, status_action
from kube.controllers.context import Context
from kube.controllers.events import NORMAL, note
from kube.controllers.expectations import Expectations
from kube.controllers.loop import ControllerLoop, obj_key
from kube.controllers.owned_pods import OwnedPods
from kube.controllers.ownership import claim, owner_reference
from kube.controllers.pod_state import (
    deletion_rank,
    is_active,
    is_available,
    is_ready,
    seconds_until_available,
)

BURST_REPLICAS = 500  # at most this many creations or deletions per sync (Kubernetes' burstReplicas)


@dataclass
class ReplicaSetPlan:
    actions: list[Action] = field(default_factory=list)
    status: Obj = field(default_factory=dict)
    creates: int = 0
    deletes: list[DeletePod] = field(default_factory=list)
    requeue_after: float | None = None
    owned: list[Obj] = field(default_factory=list)


def pod_from_template(owner: Obj, template: Obj, owner_key: str = "") -> CreatePod:
    """A pod as a controller creates it: template labels/annotations/spec, a generated
    `<owner>-<random5>` name and a controller ownerReference."""
    meta = owner.get("metadata") or {}
    tmeta = template.get("metadata") or {}
    pod_meta: Obj = {"generateName": f"{meta.get('name', '')}-", "namespace": meta.get("namespace", ""),
                     "ownerReferences": [owner_reference(owner)]}
    for key in ("labels", "annotations"):
        if tmeta.get(key):
            pod_meta[key] = dict(tmeta[key])
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta,
           "spec": copy.deepcopy(template.get("spec") or {})}
    return CreatePod(meta.get("namespace", ""), pod, owner_key,
                     note=note(owner, NORMAL, "SuccessfulCreate", "Created pod: {name}"))


def _fully_labeled(pod: Obj, template_labels: dict[str, str]) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in template_labels.items())


def replica_status(rs: Obj, pods: list[Obj], now: datetime) -> Obj:
    spec = rs.get("spec") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    status: Obj = {
        "replicas": len(pods),
        "fullyLabeledReplicas": sum(1 for p in pods if _fully_labeled(p, template_labels)),
        "readyReplicas": sum(1 for p in pods if is_ready(p)),
        "availableReplicas": sum(1 for p in pods if is_available(p, min_ready, now)),
        "observedGeneration": (rs.get("metadata") or {}).get("generation", 0),
    }
    conditions = (rs.get("status") or {}).get("conditions")
    if conditions:
        status["conditions"] = conditions
    return status


def selector_of(kind: KindInfo, spec: Obj) -> Selector:
    """The pods a ReplicaSet (LabelSelector) or a ReplicationController (a plain map) selects;
    SelectorError for one never to act on (unreadable, or an RC's empty map, which would select all)."""
    raw = spec.get("selector")
    if kind.kind == "ReplicationController":
        if not isinstance(raw, dict) or not raw:
            raise SelectorError("a ReplicationController needs a non-empty selector")
        return from_labels(raw)
    return from_label_selector(raw)


def reconcile_replica_set(rs: Obj, pods: list[Obj], now: datetime, *, expectations_met: bool = True,
                          burst: int = BURST_REPLICAS, kind: KindInfo = REPLICASET) -> ReplicaSetPlan:
    """One sync of one ReplicaSet (or ReplicationController, `kind`) over the pods of its namespace."""
    plan = ReplicaSetPlan()
    spec = rs.get("spec") or {}
    meta = rs.get("metadata") or {}
    try:
        selector = selector_of(kind, spec)
    except SelectorError:
        return plan  # invalid selectors are refused by validation; never act on one
    owned = claim(rs, POD, pods, lambda p: selector.matches((p.get("metadata") or {}).get("labels") or {}))
    plan.actions.extend(owned.patches)
    active = [p for p in owned.owned if is_active(p)]
    plan.owned = active
    if expectations_met and not meta.get("deletionTimestamp"):
        diff = len(active) - int(spec.get("replicas", 1) or 0)
        if diff < 0:
            plan.creates = min(-diff, burst)
            template = spec.get("template") or {}
            plan.actions.extend(pod_from_template(rs, template, object_key(rs)) for _ in range(plan.creates))
        elif diff > 0:
            victims = sorted(active, key=deletion_rank)[:min(diff, burst)]
            plan.deletes = [DeletePod(meta.get("namespace", ""), p["metadata"]["name"], p["metadata"].get("uid", ""),
                                      owner_key=object_key(rs),
                                      note=note(rs, NORMAL, "SuccessfulDelete", f"Deleted pod: {p['metadata']['name']}"))
                            for p in victims]
            plan.actions.extend(plan.deletes)
    plan.status = replica_status(rs, active, now)
    plan.actions.extend(status_action(kind, rs, plan.status))
    min_ready = int(spec.get("minReadySeconds") or 0)
    waits = [w for p in active if (w := seconds_until_available(p, min_ready, now)) is not None]
    if waits:
        plan.requeue_after = min(waits) + 0.05
    return plan


# --- the loop ------------------------------------------------------------------------------------

class ReplicaSetController(ControllerLoop):
    name = "replicaset"
    kind: KindInfo = REPLICASET
    component = "replicaset-controller"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, ctx.options.concurrent_replicaset_syncs)
        self.expectations = Expectations()

    def setup(self) -> None:
        self.sets = self.ctx.factory.informer_for(self.kind)
        self.pods = self.ctx.factory.informer_for(POD)
        self.sets.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)),
                              self._set_deleted)
        OwnedPods(self.kind.kind, self.expectations, self.enqueue, self._matching_sets).attach(self.pods)

    def _set_deleted(self, obj: object) -> None:
        key = obj_key(obj)
        self.expectations.forget(key)
        self.enqueue(key)

    def _matching_sets(self, pod: Obj) -> list[str]:
        """Sets that could adopt an orphan."""
        meta = pod.get("metadata") or {}
        labels = meta.get("labels") or {}
        keys = []
        for rs in self.sets.store.by_index("namespace", meta.get("namespace", "")):
            try:
                if selector_of(self.kind, rs.get("spec") or {}).matches(labels):
                    keys.append(object_key(rs))
            except SelectorError:
                continue
        return keys

    async def sync(self, key: Hashable) -> float | None:
        rs = self.sets.store.get(str(key))
        if rs is None:
            self.expectations.forget(str(key))
            return None
        namespace = (rs.get("metadata") or {}).get("namespace", "")
        pods = self.pods.store.by_index("namespace", namespace)
        plan = reconcile_replica_set(rs, pods, self.ctx.now(), expectations_met=self.expectations.satisfied(str(key)),
                                     kind=self.kind)
        if plan.creates or plan.deletes:
            self.expectations.expect(str(key), plan.creates, {join_key(d.namespace, d.name) for d in plan.deletes})
        await self.ctx.executor.run(plan.actions, f"{self.name} {key}",
                                    lambda n: self.expectations.creation_observed(str(key), n),
                                    self.ctx.recorder(self.component))
        return plan.requeue_after
