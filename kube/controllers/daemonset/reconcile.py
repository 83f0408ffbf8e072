"""One pure sync of one DaemonSet (pkg/controller/daemon: manage, rollingUpdate, cleanupHistory,
updateDaemonSetStatus): the DaemonSet, the cluster's nodes, the pods and ControllerRevisions of
its namespace and the time in; pod creations/deletions, revision writes and the status out.

Per node: a pod where one should run and none is; every pod where none should continue
running; the oldest kept where there are several (with surge: the oldest new and the oldest
old, the old one going once the new one is available). A rolling update acts only when that
per-node pass had nothing to do (Kubernetes runs it once expectations are met again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kube.api.labels import SelectorError, from_label_selector
from kube.api.meta import Obj, object_key
from kube.api.registry import by_gvk
from kube.controllers.actions import POD, Action, CreatePod, DeletePod, UpdateStatus, status_action
from kube.controllers.daemonset.history import (
    CONTROLLER_REVISION,
    HASH_LABEL,
    construct_history,
    history_to_clean,
)
from kube.controllers.daemonset.placement import daemon_pod_spec, pin_to_node, should_run, target_node
from kube.controllers.events import NORMAL, WARNING, Note, note
from kube.controllers.ownership import claim
from kube.controllers.pod_state import is_available, is_ready, is_terminating, phase, seconds_until_available
from kube.controllers.replicaset import pod_from_template

DAEMONSET = by_gvk("apps", "v1", "DaemonSet")
assert DAEMONSET is not None
BURST = 250  # creations per sync at most
TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"  # the API server keeps it
GENERATION_LABEL = "pod-template-generation"


@dataclass
class DaemonSetPlan:
    actions: list[Action] = field(default_factory=list)
    creates: int = 0
    deletes: list[DeletePod] = field(default_factory=list)
    status: Obj = field(default_factory=dict)
    requeue_after: float | None = None
    failed_nodes: list[str] = field(default_factory=list)  # failed pods deleted there: back off next time


def _scaled(value: Any, total: int) -> int:
    """An int-or-percent of `total`, rounded up (GetScaledValueFromIntOrPercent, roundUp)."""
    if isinstance(value, str) and value.endswith("%"):
        try:
            return math.ceil(int(value[:-1]) * total / 100)
        except ValueError:
            return 0
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def surge_and_unavailable(ds: Obj, desired: int) -> tuple[int, int]:
    rolling = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate") or {}
    surge = _scaled(rolling.get("maxSurge", 0), desired)
    unavailable = _scaled(rolling.get("maxUnavailable", 1), desired)
    if surge == 0 and unavailable == 0:
        unavailable = 1  # a percentage may round to 0; never stall
    return surge, unavailable


def _age_order(pod: Obj) -> tuple:
    """Scheduled first, then oldest (podByCreationTimestampAndPhase)."""
    meta = pod.get("metadata") or {}
    return (not (pod.get("spec") or {}).get("nodeName"), meta.get("creationTimestamp", ""), meta.get("name", ""))


def _is_new(pod: Obj, hash_: str) -> bool:
    return ((pod.get("metadata") or {}).get("labels") or {}).get(HASH_LABEL) == hash_


class _Sync:
    def __init__(self, ds: Obj, hash_: str, now: datetime) -> None:
        self.ds, self.hash, self.now = ds, hash_, now
        spec = ds.get("spec") or {}
        self.min_ready = int(spec.get("minReadySeconds") or 0)
        self.template = spec.get("template") or {}
        self.key = object_key(ds)
        self.creates: list[CreatePod] = []
        self.deletes: dict[str, DeletePod] = {}

    def available(self, pod: Obj) -> bool:
        return is_available(pod, self.min_ready, self.now)

    def create(self, node: str) -> None:
        action = pod_from_template(self.ds, self.template, self.key)
        pod = action.pod
        labels = pod["metadata"].setdefault("labels", {})
        labels[HASH_LABEL] = self.hash
        generation = ((self.ds.get("metadata") or {}).get("annotations") or {}).get(TEMPLATE_GENERATION)
        if generation:
            labels[GENERATION_LABEL] = str(generation)
        pod["spec"] = daemon_pod_spec(self.template)
        pin_to_node(pod["spec"], node)
        self.creates.append(action)

    def delete(self, pod: Obj, why: Note | None = None) -> None:
        meta = pod.get("metadata") or {}
        name = meta.get("name", "")
        why = why or note(self.ds, NORMAL, "SuccessfulDelete", f"Deleted pod: {name}")
        self.deletes.setdefault(name, DeletePod(meta.get("namespace", ""), name, meta.get("uid", ""),
                                                owner_key=self.key, note=why))

    def keep_per_node(self, pods: list[Obj], surge: bool) -> None:
        """Several pods on one node: keep the oldest (with surge, the oldest new and oldest old)."""
        pods = sorted(pods, key=_age_order)
        if not surge:
            for extra in pods[1:]:
                self.delete(extra)
            return
        oldest_new = oldest_old = None
        for pod in pods:
            if _is_new(pod, self.hash) and oldest_new is None:
                oldest_new = pod
            elif not _is_new(pod, self.hash) and oldest_old is None:
                oldest_old = pod
            else:
                self.delete(pod)
        if oldest_new is not None and oldest_old is not None and self.available(oldest_new):
            self.delete(oldest_old)


def _split(pods: list[Obj], hash_: str) -> tuple[Obj | None, Obj | None, bool]:
    """(new pod, old pod, ok) on one node; not ok with more than one of either (findUpdatedPodsOnNode)."""
    new = [p for p in pods if _is_new(p, hash_)]
    old = [p for p in pods if not _is_new(p, hash_)]
    if len(new) > 1 or len(old) > 1:
        return None, None, False
    return (new[0] if new else None), (old[0] if old else None), True


def _rolling_update(s: _Sync, by_node: dict[str, list[Obj]], eligible: list[str], surge: int,
                    unavailable_budget: int) -> None:
    if surge == 0:
        unavailable, replace, candidates = 0, [], []
        for node in eligible:
            new, old, ok = _split(by_node.get(node, []), s.hash)
            if not ok or (new is None) == (old is None):
                unavailable += 1  # nothing there, or both: the per-node pass deals with it
            elif new is not None:
                unavailable += 0 if s.available(new) else 1
            elif not s.available(old):
                replace.append(old)  # an unavailable old pod costs nothing to replace
            elif unavailable < unavailable_budget:
                candidates.append(old)
        room = max(0, min(unavailable_budget - unavailable, len(candidates)))
        for pod in replace + candidates[:room]:
            s.delete(pod)
        return
    surging, allowed, candidates = 0, [], []
    for node in eligible:
        new, old, ok = _split(by_node.get(node, []), s.hash)
        if not ok:
            surging += 1
        elif old is None:
            continue
        elif new is None:
            (candidates if s.available(old) else allowed).append(node)
        elif not s.available(new):
            surging += 1
        else:
            s.delete(old)
    room = max(0, min(surge - surging, len(candidates)))
    for node in allowed + candidates[:room]:
        s.create(node)


def _by_node(s: _Sync, owned: list[Obj], backoff: frozenset[str],
             plan: DaemonSetPlan) -> tuple[dict[str, list[Obj]], set[str]]:
    """The live pods per target node, and the nodes whose failed pod waits out its back-off
    (no new pod there meanwhile); finished pods are deleted on the way (a failed one with a Warning)."""
    by_node: dict[str, list[Obj]] = {}
    held: set[str] = set()
    for pod in owned:
        if is_terminating(pod):
            continue
        node = target_node(pod)
        if phase(pod) not in ("Failed", "Succeeded"):
            if node is not None:
                by_node.setdefault(node, []).append(pod)
        elif node is not None and node in backoff:
            held.add(node)
        elif phase(pod) == "Failed":
            name, namespace = pod["metadata"].get("name", ""), pod["metadata"].get("namespace", "")
            s.delete(pod, note(s.ds, WARNING, "FailedDaemonPod",
                               f"Found failed daemon pod {namespace}/{name} on node {node}, will try to kill it"))
            plan.failed_nodes.extend([node] if node is not None else [])
        else:
            s.delete(pod)
    return by_node, held


def _manage(s: _Sync, verdicts: dict[str, tuple[bool, bool]], by_node: dict[str, list[Obj]], held: set[str],
            surge: bool) -> None:
    """The per-node pass (manage / podsShouldBeOnNode)."""
    for name, (run, keep) in verdicts.items():
        here = by_node.get(name, [])
        if run and not here and name not in held:
            s.create(name)
        elif keep and len(here) > 1:
            s.keep_per_node(here, surge)
        elif not keep:
            for pod in here:
                s.delete(pod)
    for name, here in by_node.items():  # pods for nodes that are gone and were never bound
        if name not in verdicts:
            for pod in here:
                if not (pod.get("spec") or {}).get("nodeName"):
                    s.delete(pod)


def reconcile_daemon_set(ds: Obj, nodes: list[Obj], pods: list[Obj], revisions: list[Obj], now: datetime, *,
                         expectations_met: bool = True, backoff: frozenset[str] = frozenset()) -> DaemonSetPlan:
    """`backoff`: nodes whose failed daemon pod was deleted too recently to delete the next one
    (Kubernetes' failedPodsBackoff: a pod the node keeps failing must not become a hot loop)."""
    plan = DaemonSetPlan()
    spec, meta = ds.get("spec") or {}, ds.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return plan
    try:
        selector = from_label_selector(spec.get("selector"))
    except SelectorError:
        return plan  # refused by validation; never act on one

    def selected(obj: Obj) -> bool:
        return selector.matches((obj.get("metadata") or {}).get("labels") or {})

    revision_claim = claim(ds, CONTROLLER_REVISION, [r for r in revisions if not is_terminating(r)], selected)
    history = construct_history(ds, revision_claim.owned, revisions)
    if history.collision:
        status = dict(ds.get("status") or {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        plan.actions.append(UpdateStatus(DAEMONSET, ds, status))
        return plan
    plan.actions.extend(revision_claim.patches)
    plan.actions.extend(history.actions)
    owned = claim(ds, POD, pods, selected)
    plan.actions.extend(owned.patches)
    s = _Sync(ds, history.hash, now)
    by_node, held = _by_node(s, owned.owned, backoff, plan)
    pod_spec = daemon_pod_spec(s.template)
    verdicts = {(n.get("metadata") or {}).get("name", ""): should_run(pod_spec, n)
                for n in sorted(nodes, key=lambda n: (n.get("metadata") or {}).get("name", ""))}
    rolling = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
    surge, unavailable = surge_and_unavailable(ds, sum(1 for run, _ in verdicts.values() if run))
    _manage(s, verdicts, by_node, held, rolling and surge > 0)
    if expectations_met and rolling and not s.creates and not s.deletes:
        _rolling_update(s, by_node, [n for n, (run, _) in verdicts.items() if run], surge, unavailable)
    if expectations_met:
        plan.creates = min(len(s.creates), BURST)
        plan.actions.extend(s.creates[:plan.creates])
        plan.deletes = list(s.deletes.values())
        plan.actions.extend(plan.deletes)
        live_hashes = {((p.get("metadata") or {}).get("labels") or {}).get(HASH_LABEL, "") for p in owned.owned}
        plan.actions.extend(history_to_clean(ds, history.old, live_hashes))
    plan.status = _status(s, ds, verdicts, by_node)
    plan.actions.extend(status_action(DAEMONSET, ds, plan.status))
    waits = [w for here in by_node.values() for p in here
             if (w := seconds_until_available(p, s.min_ready, now)) is not None]
    if waits:
        plan.requeue_after = min(waits) + 0.05
    return plan


def _status(s: _Sync, ds: Obj, verdicts: dict[str, tuple[bool, bool]], by_node: dict[str, list[Obj]]) -> Obj:
    desired = current = ready = available = updated = misscheduled = 0
    for name, (run, _keep) in verdicts.items():
        here = sorted(by_node.get(name, []), key=_age_order)
        if not run:
            misscheduled += 1 if here else 0
            continue
        desired += 1
        if not here:
            continue
        current += 1
        oldest = here[0]
        if is_ready(oldest):
            ready += 1
            available += 1 if s.available(oldest) else 0
        updated += 1 if _is_new(oldest, s.hash) else 0
    status: Obj = {"currentNumberScheduled": current, "numberMisscheduled": misscheduled,
                   "desiredNumberScheduled": desired, "numberReady": ready}
    old = ds.get("status") or {}
    omitempty = {"observedGeneration": (ds.get("metadata") or {}).get("generation", 0),
                 "updatedNumberScheduled": updated, "numberAvailable": available,
                 "numberUnavailable": desired - available, "collisionCount": old.get("collisionCount"),
                 "conditions": old.get("conditions")}
    status.update({k: v for k, v in omitempty.items() if v})
    return status
