"""Node lifecycle: notice nodes that stopped heartbeating and evict their pods.

A node whose Lease in kube-node-lease (or Ready heartbeat) is older than the grace
period gets every condition set to Unknown (reason NodeStatusUnknown) and the
`node.kubernetes.io/unreachable:NoExecute` taint (`not-ready` when Ready is False);
a node that recovers loses them. Pods on a node with NoExecute taints are deleted
once their tolerations run out, so their controllers recreate them elsewhere.
Pure functions over the objects and a clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kube.api.meta import Obj, join_key, object_key
from kube.api.tolerations import NOT_READY, UNREACHABLE
from kube.client.cache import field_index
from kube.controllers.actions import LEASE, NODE, POD, Action, DeletePod, Patch, UpdateStatus
from kube.controllers.events import NORMAL, Note, note
from kube.controllers.loop import ControllerLoop, obj_key
from kube.controllers.pod_state import condition, is_terminating, parse_time
from kube.controllers.taint_eviction import DEFAULT_TOLERATION_SECONDS, eviction_delay

log = logging.getLogger("kube.controllers.nodelifecycle")
NODE_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
UNKNOWN_REASON = "NodeStatusUnknown"
UNKNOWN_MESSAGE = "Kubelet stopped posting node status."


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def last_heartbeat(node: Obj, lease: Obj | None) -> datetime | None:
    """The latest sign of life: the Lease's renewTime, the Ready heartbeat, or the node's birth."""
    times = []
    if lease is not None:
        times.append(parse_time((lease.get("spec") or {}).get("renewTime")))
    ready = condition(node, "Ready")
    if ready is not None:
        times.append(parse_time(ready.get("lastHeartbeatTime")))
    times.append(parse_time((node.get("metadata") or {}).get("creationTimestamp")))
    known = [t for t in times if t is not None]
    return max(known) if known else None


def node_note(node: Obj, reason: str, message: str) -> Note:
    """An Event about a node; its involvedObject.uid is the node's name, as the node controller
    and kubelet write it and `kubectl describe node` searches for it."""
    name = str((node.get("metadata") or {}).get("name", ""))
    ref = {"kind": "Node", "apiVersion": "v1", "name": name, "uid": name}
    return Note(tuple(sorted(ref.items())), NORMAL, reason, message)


@dataclass
class NodePlan:
    actions: list[Action] = field(default_factory=list)
    recheck_after: float | None = None


def _unknown_status(node: Obj, now: datetime) -> Obj:
    status = dict(node.get("status") or {})
    conditions = [dict(c) for c in status.get("conditions") or [] if isinstance(c, dict)]
    present = {c.get("type") for c in conditions}
    for kind in NODE_CONDITIONS:
        if kind not in present:
            conditions.append({"type": kind})
    for cond in conditions:
        if cond.get("type") in NODE_CONDITIONS and cond.get("status") != "Unknown":
            cond.update(status="Unknown", reason=UNKNOWN_REASON, message=UNKNOWN_MESSAGE,
                        lastTransitionTime=_stamp(now))
            cond.setdefault("lastHeartbeatTime", cond.get("lastTransitionTime"))
    status["conditions"] = conditions
    return status


def wanted_taints(node: Obj, ready_state: str, now: datetime) -> list[Obj]:
    """The node's taints with exactly the lifecycle NoExecute taint its Ready state calls for."""
    taints = [t for t in (node.get("spec") or {}).get("taints") or [] if isinstance(t, dict)]
    want = {"Unknown": UNREACHABLE, "False": NOT_READY}.get(ready_state)
    kept = [t for t in taints if not (t.get("key") in (UNREACHABLE, NOT_READY) and t.get("effect") == "NoExecute")
            or t.get("key") == want]
    if want and not any(t.get("key") == want and t.get("effect") == "NoExecute" for t in kept):
        kept.append({"key": want, "effect": "NoExecute", "timeAdded": _stamp(now)})
    return kept


def reconcile_node_health(node: Obj, lease: Obj | None, now: datetime, grace_seconds: float,
                          seen: datetime | None = None) -> NodePlan:
    """seen: when this controller, by its own clock, last saw the heartbeat change; judged
    instead of the node's timestamps, which a node whose clock is ahead writes in the future."""
    plan = NodePlan()
    meta = node.get("metadata") or {}
    beat = seen if seen is not None else last_heartbeat(node, lease)
    ready = condition(node, "Ready")
    state = str((ready or {}).get("status") or "Unknown")
    if beat is not None and beat + timedelta(seconds=grace_seconds) < now:
        if state != "Unknown" or ready is None:
            plan.actions.append(UpdateStatus(NODE, node, _unknown_status(node, now), note=node_note(
                node, "NodeNotReady", f"Node {meta.get('name', '')} status is now: NodeNotReady")))
        state = "Unknown"
    elif beat is not None:
        plan.recheck_after = (beat + timedelta(seconds=grace_seconds) - now).total_seconds() + 0.5
    taints = wanted_taints(node, state, now)
    if taints != [t for t in (node.get("spec") or {}).get("taints") or [] if isinstance(t, dict)]:
        plan.actions.append(Patch(NODE, "", meta.get("name", ""),
                                  {"metadata": {"resourceVersion": meta.get("resourceVersion")},
                                   "spec": {"taints": taints or None}}))
    return plan


def evictions(node: Obj, pods: list[Obj], now: datetime,
              default_seconds: int = DEFAULT_TOLERATION_SECONDS, seen: datetime | None = None) -> NodePlan:
    """Delete the pods whose tolerations of the node's NoExecute taints have run out, counted
    from when the taints were added, or from `seen` (when this controller first saw them, at
    sub-second precision; timeAdded has whole seconds) if that is later."""
    plan = NodePlan()
    taints = [t for t in (node.get("spec") or {}).get("taints") or []
              if isinstance(t, dict) and t.get("effect") == "NoExecute"]
    if not taints:
        return plan
    added = [parse_time(t.get("timeAdded")) or now for t in taints]
    since = min(added) if seen is None else max(min(added), seen)
    for pod in pods:
        if is_terminating(pod):
            continue
        delay = eviction_delay(pod, taints, default_seconds)
        if delay is None:
            continue
        due = since + timedelta(seconds=delay)
        if due <= now:
            meta = pod.get("metadata") or {}
            plan.actions.append(DeletePod(meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", ""),
                                          note=note(pod, NORMAL, "TaintManagerEviction", "Marking for deletion Pod "
                                                    f"{object_key(pod)}")))
        else:
            left = (due - now).total_seconds()
            plan.recheck_after = left if plan.recheck_after is None else min(plan.recheck_after, left)
    return plan


def _no_execute(obj: Obj) -> bool:
    """A Node (or a patch of one) carries a NoExecute taint."""
    return any(isinstance(t, dict) and t.get("effect") == "NoExecute"
               for t in (obj.get("spec") or {}).get("taints") or [])


# --- the loop ------------------------------------------------------------------------------------

NODE_LEASE_NAMESPACE = "kube-node-lease"
_NODE_INDEX = "spec.nodeName"


class NodeLifecycleController(ControllerLoop):
    name = "nodelifecycle"

    def setup(self) -> None:
        f = self.ctx.factory
        self.nodes = f.informer_for(NODE)
        self.leases = f.informer_for(LEASE, namespace=NODE_LEASE_NAMESPACE)
        self.pods = f.informer_for(POD, indexers={_NODE_INDEX: field_index("spec.nodeName")})
        self.nodes.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)))
        self._ticker: asyncio.Task[None] | None = None
        self._tainted_since: dict[str, datetime] = {}  # node -> when a NoExecute taint was first seen
        # node -> (its last heartbeat, when this controller saw it change): Kubernetes' probeTimestamp
        self._beats: dict[str, tuple[datetime | None, datetime]] = {}

    async def started(self) -> None:
        self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        """Every node is looked at each period even without events (a silent node sends none)."""
        while True:
            for key in self.nodes.store.keys():
                self.enqueue(key)
            await asyncio.sleep(self.ctx.options.node_monitor_period)

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        await super().stop()

    def _seen(self, key: str, beat: datetime | None, now: datetime) -> datetime | None:
        """When the heartbeat last changed, by this controller's clock: a change is dated now;
        a heartbeat first seen keeps its own time unless that is in the future."""
        known = self._beats.get(key)
        if known is None or known[0] != beat:
            observed = now if known is not None or beat is None or beat > now else beat
            self._beats[key] = known = (beat, observed)
        return known[1] if beat is not None else None

    async def sync(self, key: Hashable) -> float | None:
        node = self.nodes.store.get(str(key))
        if node is None:
            self._tainted_since.pop(str(key), None)
            self._beats.pop(str(key), None)
            return None
        opts = self.ctx.options
        now = self.ctx.now()
        lease = self.leases.store.get(join_key(NODE_LEASE_NAMESPACE, str(key)))
        health = reconcile_node_health(node, lease, now, opts.node_monitor_grace_period,
                                       self._seen(str(key), last_heartbeat(node, lease), now))
        for action in health.actions:
            if isinstance(action, UpdateStatus):
                log.warning("node %s: no heartbeat for %.0fs, marking it Unknown", key, opts.node_monitor_grace_period)
        await self.ctx.executor.run(health.actions, f"nodelifecycle {key}", recorder=self.ctx.recorder("node-controller"))
        pods = self.pods.store.by_index(_NODE_INDEX, str(key))
        if _no_execute(node) or any(isinstance(a, Patch) and _no_execute(a.patch) for a in health.actions):
            self._tainted_since.setdefault(str(key), now)
        else:
            self._tainted_since.pop(str(key), None)
        evict = evictions(node, pods, now, opts.default_toleration_seconds, self._tainted_since.get(str(key)))
        if evict.actions:
            log.warning("node %s: evicting %d pods", key, len(evict.actions))
        await self.ctx.executor.run(evict.actions, f"nodelifecycle {key}",
                                    recorder=self.ctx.recorder("taint-eviction-controller"))
        waits = [w for w in (health.recheck_after, evict.recheck_after) if w is not None]
        return min(waits) if waits else None
