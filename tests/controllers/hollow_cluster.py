"""Stand-ins for the scheduler and node agents in end-to-end controller tests (until
`kube node --simulated` is available): hollow nodes that register, renew their Lease,
bind pending pods to themselves round-robin (skipping nodes not Ready or tainted
NoExecute), run them (Running, an IP, Ready) and finish graceful deletions."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from datetime import UTC, datetime
from typing import Any

from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.controllers.actions import LEASE, NODE, POD

Obj = dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _micro() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class HollowCluster:
    def __init__(self, client: RestClient, nodes: list[str], period: float = 0.2) -> None:
        self.client = client
        self.nodes = list(nodes)
        self.alive = set(nodes)
        self.period = period
        self._ips = itertools.count(2)
        self._task: asyncio.Task[None] | None = None
        self._rr = itertools.count()

    async def __aenter__(self) -> HollowCluster:
        for name in self.nodes:
            await self.client.create(NODE, {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
                                            "status": {"conditions": [self._ready()],
                                                       "allocatable": {"cpu": "8", "memory": "16Gi", "pods": "110"},
                                                       "capacity": {"cpu": "8", "memory": "16Gi", "pods": "110"}}})
            await self.client.create(LEASE, {"metadata": {"name": name, "namespace": "kube-node-lease"},
                                             "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                                                      "renewTime": _micro()}})
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _ready(self) -> Obj:
        return {"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": _now(),
                "lastTransitionTime": _now()}

    def kill(self, name: str) -> None:
        """The node stops heartbeating and stops acting on its pods."""
        self.alive.discard(name)

    async def _run(self) -> None:
        while True:
            try:
                await self._round()
            except ApiError:
                pass
            await asyncio.sleep(self.period)

    async def _schedulable(self) -> list[str]:
        ok = []
        for node in (await self.client.list(NODE)).get("items") or []:
            name = node["metadata"]["name"]
            ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                        for c in node.get("status", {}).get("conditions") or [])
            tainted = any(t.get("effect") in ("NoExecute", "NoSchedule") for t in node.get("spec", {}).get("taints") or [])
            if ready and not tainted:
                ok.append(name)
        return ok

    async def _round(self) -> None:
        for name in self.alive:
            lease = await self.client.get(LEASE, name, "kube-node-lease")
            lease["spec"]["renewTime"] = _micro()
            await self.client.update(LEASE, lease)
        targets = await self._schedulable()
        for pod in (await self.client.list(POD)).get("items") or []:
            meta, spec = pod["metadata"], pod.get("spec") or {}
            node = spec.get("nodeName")
            try:
                if not node and targets and not meta.get("deletionTimestamp"):
                    choice = targets[next(self._rr) % len(targets)]
                    await self.client.request("POST", f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
                                              "/binding", body={"apiVersion": "v1", "kind": "Binding",
                                                                "metadata": {"name": meta["name"]},
                                                                "target": {"kind": "Node", "name": choice}})
                elif node in self.alive and meta.get("deletionTimestamp"):
                    await self.client.delete(POD, meta["name"], meta["namespace"], grace_period_seconds=0)
                elif node in self.alive and (pod.get("status") or {}).get("phase") != "Running":
                    pod["status"] = {"phase": "Running", "podIP": f"10.244.9.{next(self._ips) % 250 + 2}",
                                     "hostIP": "127.0.0.1", "startTime": _now(),
                                     "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": _now()}]}
                    await self.client.update_status(POD, pod)
            except ApiError:
                continue
