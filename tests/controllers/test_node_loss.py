"""Node loss on the real stack (scheduler process, simulated nodes, controller manager with
short timeouts): a node stops heartbeating, is marked Unknown and tainted, its pods are
evicted after their toleration and every replica runs again on the remaining nodes; the
node controller's and taint eviction's Events say so."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from kube.client.rest import RestClient
from kube.controllers.actions import DEPLOYMENT, NODE, POD
from kube.controllers.events import EVENT
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import FAST, real_cluster
from tests.controllers.workloads import deployment

REPLICAS = 6


def spread_deployment() -> dict[str, Any]:
    d = deployment("web", REPLICAS)
    d["spec"]["template"]["spec"]["topologySpreadConstraints"] = [{
        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": {"app": "web"}}}]
    return d


async def running(client: RestClient) -> list[dict[str, Any]]:
    pods = (await client.list(POD, "default", label_selector="app=web"))["items"]
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")
            and (p.get("status") or {}).get("phase") == "Running"]


async def test_every_replica_runs_again_after_a_node_is_lost(client: RestClient, kubeconfig: Path,
                                                             tmp_path: Path) -> None:
    async with real_cluster(client, kubeconfig, tmp_path, {"stay": 2, "lost": 1}) as cluster:
        await client.create(DEPLOYMENT, spread_deployment())

        async def placed() -> list[dict[str, Any]] | None:
            pods = await running(client)
            return pods if len(pods) == REPLICAS else None

        pods = await eventually(placed, timeout=60, interval=0.2)
        doomed = {p["metadata"]["name"] for p in pods if p["spec"]["nodeName"] == "lost-0"}
        assert doomed, "the scheduler put no replica on the node this test removes"
        started = time.monotonic()
        await cluster.kill_nodes("lost")

        async def recovered() -> bool:
            pods = await running(client)
            return len(pods) == REPLICAS and all(p["spec"]["nodeName"] != "lost-0" for p in pods)

        await eventually(recovered, timeout=60, interval=0.1)
        elapsed = time.monotonic() - started
        node = await client.get(NODE, "lost-0")
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "Unknown"
        assert any(t["key"] == "node.kubernetes.io/unreachable" and t["effect"] == "NoExecute"
                   for t in node["spec"]["taints"])

        async def events_written() -> list[dict[str, Any]] | None:
            events = (await client.list(EVENT, "default"))["items"]
            reasons = {e["reason"] for e in events}
            return events if {"NodeNotReady", "TaintManagerEviction"} <= reasons else None

        events = await eventually(events_written, timeout=20)
        not_ready = next(e for e in events if e["reason"] == "NodeNotReady")
        assert not_ready["involvedObject"] == {"kind": "Node", "apiVersion": "v1", "name": "lost-0", "uid": "lost-0"}
        assert not_ready["source"]["component"] == "node-controller"
        evicted = {e["involvedObject"]["name"] for e in events if e["reason"] == "TaintManagerEviction"}
        assert evicted == doomed
        print(f"\nnode loss: all {REPLICAS} replicas running elsewhere {elapsed:.1f}s after the node stopped "
              f"(grace {FAST.node_monitor_grace_period}s, toleration {FAST.default_toleration_seconds}s)")
