"""The scheduler's view of what runs where, with assumed pods (kube-scheduler's cache).

A pod counts on its node the moment the scheduler picks it (`assume`), so the
next pod already sees the capacity taken, while the bind runs asynchronously.
The watch confirms the binding (`add_pod` with spec.nodeName); a failed bind
`forget`s the pod; an assumed pod whose confirmation never arrives expires
`ttl` seconds after its bind finished, freeing the capacity again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kube.api.errors import StatusError
from kube.scheduler.node_table import NodeTable
from kube.scheduler.plugins.pod_affinity_terms import anti_terms
from kube.scheduler.pod_counts import AntiTerm, PodCounts
from kube.scheduler.pod_info import PodInfo, pod_info
from kube.scheduler.resources import Requests, pod_requests

ASSUME_TTL = 30.0


@dataclass
class CachedPod:
    info: PodInfo
    node: str
    slot: int
    requests: Requests
    anti: tuple[AntiTerm, ...]
    assumed: bool
    deadline: float | None = None  # assumed and bind finished: expire after this


class SchedulerCache:
    def __init__(self, table: NodeTable | None = None, clock: Callable[[], float] = time.monotonic,
                 ttl: float = ASSUME_TTL) -> None:
        self.table = table or NodeTable()
        self.counts = PodCounts(self.table)
        self.clock = clock
        self.ttl = ttl
        self.pods: dict[str, CachedPod] = {}  # uid -> pod counted on a node
        self.nodes: dict[str, dict[str, Any]] = {}
        self._derived: dict[bytes, tuple[Requests, tuple[AntiTerm, ...]]] = {}

    # --- nodes
    def set_node(self, node: dict[str, Any]) -> int:
        name = (node.get("metadata") or {}).get("name", "")
        self.nodes[name] = node
        slot = self.table.set_node(node)
        for cp in self.pods.values():  # pods that arrived before their node
            if cp.node == name and cp.slot < 0:
                self._count(cp, slot)
        return slot

    def remove_node(self, name: str) -> None:
        self.nodes.pop(name, None)
        slot = self.table.remove_node(name)
        if slot is None:
            return
        self.counts.forget_slot(slot)
        for cp in self.pods.values():
            if cp.slot == slot:
                cp.slot = -1

    # --- pods
    def _count(self, cp: CachedPod, slot: int) -> None:
        cp.slot = slot
        r = cp.requests
        self.table.add_requests(slot, r.cpu, r.memory, r.nz_cpu, r.nz_memory, 1)
        self.counts.add(cp.info.uid, cp.info.namespace, cp.info.labels, cp.anti, slot)

    def _uncount(self, cp: CachedPod) -> None:
        if cp.slot >= 0 and self.table.names[cp.slot] == cp.node:
            r = cp.requests
            self.table.add_requests(cp.slot, r.cpu, r.memory, r.nz_cpu, r.nz_memory, -1)
            self.counts.remove(cp.info.uid)
        cp.slot = -1

    def assume(self, info: PodInfo, node: str, requests: Requests, anti: tuple[AntiTerm, ...]) -> None:
        """Count the pod on `node` now; the bind follows."""
        old = self.pods.pop(info.uid, None)
        if old is not None:
            self._uncount(old)
        cp = CachedPod(info, node, -1, requests, anti, True)
        self.pods[info.uid] = cp
        slot = self.table.index.get(node)
        if slot is not None:
            self._count(cp, slot)

    def finish_binding(self, uid: str) -> None:
        """The bind request succeeded: start the clock for the watch's confirmation."""
        cp = self.pods.get(uid)
        if cp is not None and cp.assumed:
            cp.deadline = self.clock() + self.ttl

    def forget(self, uid: str) -> None:
        """The bind failed: the pod no longer counts anywhere."""
        cp = self.pods.get(uid)
        if cp is not None and cp.assumed:
            self._uncount(cp)
            del self.pods[uid]

    def is_assumed(self, uid: str) -> bool:
        cp = self.pods.get(uid)
        return cp is not None and cp.assumed

    def confirm(self, uid: str, node: str) -> bool:
        """The watch showed the pod bound to `node`; True when it matched an assumption."""
        cp = self.pods.get(uid)
        if cp is None or not cp.assumed or cp.node != node:
            return False
        cp.assumed = False
        cp.deadline = None
        return True

    def add_pod(self, pod: dict[str, Any]) -> None:
        """A pod the API says is bound (spec.nodeName set) and not finished."""
        info = pod_info(pod)
        node = info.node_name
        if not node:
            return
        if self.confirm(info.uid, node):
            self.pods[info.uid].info = info
            return
        try:
            requests, anti = self._derive(info)
        except StatusError:
            requests, anti = Requests(0, 0, 0, 0), ()
        old = self.pods.pop(info.uid, None)
        if old is not None:
            self._uncount(old)
        cp = CachedPod(info, node, -1, requests, anti, False)
        self.pods[info.uid] = cp
        slot = self.table.index.get(node)
        if slot is not None:
            self._count(cp, slot)

    def remove_pod(self, uid: str) -> bool:
        cp = self.pods.pop(uid, None)
        if cp is None:
            return False
        self._uncount(cp)
        return True

    def cleanup_expired(self) -> list[str]:
        """Forget assumed pods whose confirmation is overdue; returns their uids."""
        now = self.clock()
        gone = [uid for uid, cp in self.pods.items() if cp.assumed and cp.deadline is not None and cp.deadline <= now]
        for uid in gone:
            self.forget(uid)
        return gone

    def _derive(self, info: PodInfo) -> tuple[Requests, tuple[AntiTerm, ...]]:
        found = self._derived.get(info.shape)
        if found is None:
            found = (pod_requests(info.spec), anti_terms(info.spec, info.namespace))
            if len(self._derived) > 4096:
                self._derived.clear()
            self._derived[info.shape] = found
        return found
