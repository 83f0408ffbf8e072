"""Node heartbeats: one Lease per node in kube-node-lease, renewed every 10 s.

Built for thousands of nodes in one process: a single task keeps a heap of due
times; first renewals are spread uniformly over the interval (jitter), each
next one is due one interval after the previous due time (so the spread holds),
and at most `concurrency` renewals are in flight. A failed renewal is retried
after a short back-off rather than waiting a whole interval.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
import time
from typing import Any

from kube.api.meta import now_rfc3339_micro
from kube.api.registry import by_gvk
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.rest import RestClient

log = logging.getLogger("kube.node.lease")
LEASE = by_gvk("coordination.k8s.io", "v1", "Lease")
NODE_LEASE_NAMESPACE = "kube-node-lease"
RENEW_INTERVAL = 10.0
LEASE_DURATION = 40


def lease_body(node: str, node_uid: str, duration: int = LEASE_DURATION) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": node, "namespace": NODE_LEASE_NAMESPACE}
    if node_uid:  # deleted with its Node by the garbage collector
        meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": node, "uid": node_uid}]
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta,
            "spec": {"holderIdentity": node, "leaseDurationSeconds": duration, "renewTime": now_rfc3339_micro()}}


class LeaseHeartbeats:
    def __init__(self, client: RestClient, interval: float = RENEW_INTERVAL, concurrency: int = 64,
                 rng: random.Random | None = None) -> None:
        self.client = client
        self.interval = interval
        self._rng = rng or random.Random()
        self._uids: dict[str, str] = {}
        self._due: list[tuple[float, str]] = []
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._inflight: set[asyncio.Task[None]] = set()
        self.renewals = 0
        self.failures = 0
        self.last_renewed: dict[str, float] = {}

    def add(self, node: str, node_uid: str = "", *, now: bool = False) -> None:
        """Heartbeat for `node` from now on; the first renewal at a random point in the interval."""
        self._uids[node] = node_uid
        delay = 0.0 if now else self._rng.uniform(0, self.interval)
        heapq.heappush(self._due, (time.monotonic() + delay, node))
        self._wake.set()

    def remove(self, node: str) -> None:
        self._uids.pop(node, None)
        self.last_renewed.pop(node, None)

    def nodes(self) -> list[str]:
        return list(self._uids)

    async def renew(self, node: str) -> None:
        """Renew (or create) one node's Lease."""
        patch = {"spec": {"holderIdentity": node, "renewTime": now_rfc3339_micro(),
                          "leaseDurationSeconds": LEASE_DURATION}}
        try:
            await self.client.patch(LEASE, node, patch, NODE_LEASE_NAMESPACE)
        except ApiError as exc:
            if exc.code != 404:
                raise
            try:
                await self.client.create(LEASE, lease_body(node, self._uids.get(node, "")), NODE_LEASE_NAMESPACE)
            except ApiError as again:
                if again.code != 409:  # someone made it meanwhile: fine, next renewal patches it
                    raise

    async def run(self) -> None:
        """Renew every node's Lease until cancelled."""
        try:
            while True:
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    due, node = heapq.heappop(self._due)
                    if node not in self._uids:
                        continue
                    await self._slots.acquire()
                    task = asyncio.ensure_future(self._renew_one(node, due))
                    self._inflight.add(task)
                    task.add_done_callback(self._inflight.discard)
                wait = min(1.0, self._due[0][0] - time.monotonic()) if self._due else 1.0
                self._wake.clear()
                try:
                    async with asyncio.timeout(max(wait, 0.001)):  # unlike 3.11's wait_for, never swallows a cancel
                        await self._wake.wait()
                except TimeoutError:
                    pass
        finally:
            for task in list(self._inflight):
                task.cancel()

    async def _renew_one(self, node: str, due: float) -> None:
        next_due = due + self.interval
        try:
            await self.renew(node)
            self.renewals += 1
            self.last_renewed[node] = time.monotonic()
        except (ApiError, ApiConnectionError, OSError, TimeoutError) as exc:
            self.failures += 1
            next_due = time.monotonic() + self._rng.uniform(0.5, 2.0)
            log.warning("node %s: lease renewal failed: %s", node, exc)
        finally:
            self._slots.release()
        if next_due < time.monotonic():  # fell behind: do not burst to catch up
            next_due = time.monotonic() + self._rng.uniform(0, self.interval / 10)
        if node in self._uids:
            heapq.heappush(self._due, (next_due, node))
            self._wake.set()
