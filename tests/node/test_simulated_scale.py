"""200 simulated nodes in one process against a real API server: every node registers Ready,
every Lease is renewed within its interval, and pods bound across them all go Running."""

from __future__ import annotations

import asyncio
import time

from kube.client.rest import RestClient
from kube.node.fleet import NodeFleet
from kube.node.simulated_fleet import simulated_agents
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.node.cluster import NODE, POD, assign_pod_cidrs, bound_pod, condition

COUNT = 200


async def test_two_hundred_nodes_hold_ready(kubeconfig):  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    fleet = NodeFleet(client, simulated_agents(client, COUNT, ["a", "b", "c"], name_prefix="s"), lease_interval=3.0)
    try:
        await asyncio.wait_for(fleet.start(), 120)
        nodes = (await client.list_all(NODE))["items"]
        assert len(nodes) == COUNT and all(condition(n, "Ready") == "True" for n in nodes)
        await assign_pod_cidrs(client, [f"s-{i}" for i in range(COUNT)])
        for i in range(0, COUNT, 4):
            await client.create(POD, bound_pod(f"p{i}", f"s-{i}"), "default")
        started = time.monotonic()

        async def all_running():
            items = (await client.list_all(POD, "default"))["items"]
            return len([p for p in items if p["status"].get("phase") == "Running"]) == COUNT // 4

        await eventually(all_running, timeout=60, interval=0.5)
        # every lease renewed at least once more after the pods ran: the heartbeats keep up
        await asyncio.sleep(max(0.0, 3.5 - (time.monotonic() - started)))
        now = time.monotonic()
        stale = [n for n, at in fleet.heartbeats.last_renewed.items() if now - at > 3.0 * 2]
        assert len(fleet.heartbeats.last_renewed) == COUNT and not stale
        assert fleet.heartbeats.failures == 0
    finally:
        await fleet.stop()
        await client.close()
