"""The loops of a node-agent process, shared by every node it runs (one, or thousands).

One Node informer and one Pod informer (indexed by spec.nodeName) for all nodes,
one work queue of pod keys with a few workers, one heartbeat task for every Lease
and one status task: nothing per node wakes up on its own, which is what lets a
single process hold 5,000 simulated nodes without any of them going NotReady. One
termination gate (kube/node/termination_gate.py) holds every node's SIGTERMs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from prometheus_client import CollectorRegistry

from kube.api.fields import one_term
from kube.api.meta import Obj
from kube.api.registry import resolve
from kube.client.cache import field_index, object_key
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.informer import DeletedFinalStateUnknown, Informer
from kube.client.reconciler import Reconciler
from kube.client.rest import RestClient
from kube.client.workqueue import WorkQueue
from kube.node.agent import NodeAgent
from kube.node.metrics import NodeMetrics
from kube.node.node_leases import RENEW_INTERVAL, LeaseHeartbeats
from kube.node.termination_gate import TerminationGate

log = logging.getLogger("kube.node")
POD, NODE = resolve("pods"), resolve("nodes")
BY_NODE = "nodeName"


class NodeFleet:
    def __init__(self, client: RestClient, agents: list[NodeAgent], *, workers: int = 8,
                 lease_interval: float = RENEW_INTERVAL, status_check_seconds: float = 1.0,
                 host_refresh_seconds: float = 60.0, register_concurrency: int = 32,
                 registry: CollectorRegistry | None = None, termination_gate: bool = True) -> None:
        if not agents:
            raise ValueError("a node-agent process needs at least one node")
        self.client = client
        self.agents = {a.name: a for a in agents}
        self.heartbeats = LeaseHeartbeats(client, interval=lease_interval)
        self.registry = registry if registry is not None else CollectorRegistry()  # the process's, or private
        self.queue = WorkQueue(name="pods", registry=self.registry)
        self.reconciler = Reconciler(self.queue, self._reconcile, workers=workers, name="pod-sync")
        self.status_check_seconds = status_check_seconds
        self.host_refresh_seconds = host_refresh_seconds
        self.register_concurrency = register_concurrency
        single = next(iter(self.agents)) if len(self.agents) == 1 else None
        self.nodes = Informer(client, NODE, field_selector=one_term("metadata.name", single) if single else None)
        self.pods = Informer(client, POD, field_selector=one_term("spec.nodeName", single) if single
                             else "spec.nodeName!=", indexers={BY_NODE: field_index("spec.nodeName")})
        self._tasks: list[asyncio.Task[None]] = []
        self.ready = asyncio.Event()
        self.gate = TerminationGate(client, self.registry) if termination_gate else None
        for agent in agents:
            agent.on_pod_finished = self.queue.add_after
            agent.gate = self.gate
        self.metrics = NodeMetrics(self.registry, self)

    def bound_pods(self) -> int:
        """Pods bound to the nodes of this process, as the informer last saw them."""
        return sum(len(self.pods.store.index_keys(BY_NODE, name)) for name in self.agents)

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Register (or adopt) every node, sync the caches, clean up leftovers, start the loops."""
        if self.gate is not None:
            self.gate.start()  # syncs meanwhile; a hold waits for it
        await self._register_all()
        self.nodes.add_handler(self._on_node, lambda _old, new: self._on_node(new), None)
        self.pods.add_handler(self._on_pod, lambda _old, new: self._on_pod(new), self._on_pod_delete)
        self.nodes.start()
        self.pods.start()
        await self.nodes.wait_for_sync()
        await self.pods.wait_for_sync()
        for agent in self.agents.values():
            live = {str((p.get("metadata") or {}).get("uid", "")) for p in self.pods.store.by_index(BY_NODE, agent.name)}
            await agent.remove_orphans(live)
        loop = asyncio.get_running_loop()
        self.reconciler.start()
        self._tasks = [loop.create_task(self.heartbeats.run(), name="leases"),
                       loop.create_task(self._status_loop(), name="node-status")]
        self.ready.set()
        log.info("%d node(s) running: %s", len(self.agents), _names(self.agents))

    async def stop(self) -> None:
        """Stop the loops; containers keep running so a restarted agent re-adopts them."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.reconciler.stop()
        await asyncio.gather(*(a.wait_terminations() for a in self.agents.values()), return_exceptions=True)
        await self.nodes.stop()
        await self.pods.stop()
        if self.gate is not None:
            await self.gate.stop()
        for agent in self.agents.values():
            await agent.runtime.close()
            if agent.events is not None:
                await agent.events.flush()

    async def _register_all(self) -> None:
        slots = asyncio.Semaphore(self.register_concurrency)

        async def one(agent: NodeAgent) -> None:
            async with slots:
                while True:
                    try:
                        node = await agent.register()
                        break
                    except (ApiError, ApiConnectionError, OSError) as exc:
                        log.warning("node %s: registration failed (%s); retrying", agent.name, exc)
                        await asyncio.sleep(2.0)
                self.heartbeats.add(agent.name, str((node.get("metadata") or {}).get("uid", "")),
                                    now=len(self.agents) == 1)

        await asyncio.gather(*(one(a) for a in self.agents.values()))

    # --- informer handlers -------------------------------------------------------------------------

    def _on_node(self, node: Obj) -> None:
        agent = self.agents.get(str((node.get("metadata") or {}).get("name", "")))
        if agent is None:
            return
        had_cidr = agent.ips is not None
        agent.observe_node(node)
        if not had_cidr and agent.ips is not None:
            for key in self.pods.store.index_keys(BY_NODE, agent.name):
                self.queue.add(key)

    def _on_pod(self, pod: Obj) -> None:
        if (pod.get("spec") or {}).get("nodeName") in self.agents:
            self.queue.add(object_key(pod))

    async def _on_pod_delete(self, pod: Obj | DeletedFinalStateUnknown) -> None:
        obj = pod.obj if isinstance(pod, DeletedFinalStateUnknown) else pod
        agent = self.agents.get(str((obj.get("spec") or {}).get("nodeName", "")))
        if agent is not None:
            try:
                await agent.forget_pod(obj)
            except Exception:  # noqa: BLE001 - a runtime hiccup must not stop the informer
                log.exception("pod %s: cleanup after deletion failed", object_key(obj))

    # --- loops -------------------------------------------------------------------------------------

    async def _reconcile(self, key: Any) -> float | None:
        pod = self.pods.store.get(str(key))
        if pod is None:
            return None
        agent = self.agents.get(str((pod.get("spec") or {}).get("nodeName", "")))
        if agent is None:
            return None
        with self.metrics.pod_sync.time():
            return await agent.sync_pod(pod)

    async def _status_loop(self) -> None:
        slots = asyncio.Semaphore(self.register_concurrency)
        last_refresh = time.monotonic()

        async def report(agent: NodeAgent) -> None:
            async with slots:
                try:
                    if await agent.report_status():
                        log.debug("node %s: status sent", agent.name)
                except (ApiError, ApiConnectionError, OSError) as exc:
                    log.warning("node %s: status update failed: %s", agent.name, exc)

        while True:
            await asyncio.sleep(self.status_check_seconds)
            now = time.monotonic()
            if now - last_refresh >= self.host_refresh_seconds:
                last_refresh = now
                for agent in self.agents.values():
                    try:
                        await agent.refresh_host()
                    except Exception as exc:  # noqa: BLE001 - keep reporting with what we had
                        log.warning("node %s: cannot read host state: %s", agent.name, exc)
            due = [a for a in self.agents.values() if a.status_due(now)]
            if due:
                await asyncio.gather(*(report(a) for a in due))


def _names(agents: dict[str, NodeAgent]) -> str:
    names = list(agents)
    return ", ".join(names) if len(names) <= 5 else f"{names[0]} ... {names[-1]}"
