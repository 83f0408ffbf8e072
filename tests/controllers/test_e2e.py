"""The controllers against a real API server (embedded store), with hollow nodes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kube.client.rest import RestClient
from kube.controllers.actions import DEPLOYMENT, ENDPOINTS, NAMESPACE, NODE, POD, REPLICASET, SERVICE
from kube.controllers.context import ControllerOptions
from kube.controllers.manager import ControllerManager
from tests.apiserver.conftest import eventually
from tests.controllers.hollow_cluster import HollowCluster
from tests.controllers.workloads import deployment

FAST = ControllerOptions(node_monitor_grace_period=2.0, node_monitor_period=0.3, default_toleration_seconds=1,
                         pod_gc_period=1.0, namespace_sync_period=0.2)


@contextlib.asynccontextmanager
async def controllers(client: RestClient, options: ControllerOptions = FAST) -> AsyncIterator[ControllerManager]:
    manager = ControllerManager(client, ["*"], options)
    task = asyncio.get_running_loop().create_task(manager.run())
    await asyncio.wait_for(manager.synced.wait(), 20)
    try:
        yield manager
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def rollout_complete(d: dict[str, Any]) -> bool:
    s = d.get("status") or {}
    replicas = d["spec"]["replicas"]
    return (d["metadata"]["generation"] <= s.get("observedGeneration", 0) and s.get("updatedReplicas", 0) >= replicas
            and s.get("replicas", 0) <= s.get("updatedReplicas", 0)
            and s.get("availableReplicas", 0) >= s.get("updatedReplicas", 0))


async def running_pods(client: RestClient, selector: str = "app=web") -> list[dict[str, Any]]:
    pods = (await client.list(POD, "default", label_selector=selector))["items"]
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")
            and (p.get("status") or {}).get("phase") == "Running"]


async def test_a_deployment_rolls_out_and_updates(client: RestClient) -> None:
    async with HollowCluster(client, ["n1", "n2"]), controllers(client):
        await client.create(DEPLOYMENT, deployment("web", 3))

        async def complete() -> dict | None:
            d = await client.get(DEPLOYMENT, "web", "default")
            return d if rollout_complete(d) and d["status"].get("availableReplicas") == 3 else None

        d = await eventually(complete, timeout=30)
        assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
        await client.patch(DEPLOYMENT, "web", {"spec": {"template": {"spec": {"containers": [
            {"name": "c", "image": "img:2"}]}}}}, "default", patch_type="strategic")
        await eventually(complete, timeout=30)

        async def only_new() -> bool:
            pods = await running_pods(client)
            return len(pods) == 3 and all(p["spec"]["containers"][0]["image"] == "img:2" for p in pods)

        await eventually(only_new, timeout=30)
        sets = (await client.list(REPLICASET, "default"))["items"]
        assert sorted(rs["spec"]["replicas"] for rs in sets) == [0, 3]
        nodes = (await client.list(NODE))["items"]
        assert sorted(n["spec"]["podCIDR"] for n in nodes) == ["10.244.0.0/24", "10.244.1.0/24"]

        # cascading delete: the ReplicaSets and pods go with the Deployment
        await client.delete(DEPLOYMENT, "web", "default", propagation_policy="Background")

        async def all_gone() -> bool:
            return not (await client.list(REPLICASET, "default"))["items"] and not (await client.list(
                POD, "default", label_selector="app=web"))["items"]

        await eventually(all_gone, timeout=30)


async def test_endpoints_follow_pods(client: RestClient) -> None:
    async with HollowCluster(client, ["n1"]), controllers(client):
        await client.create(SERVICE, {"metadata": {"name": "web"}, "spec": {
            "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}, "default")
        await client.create(DEPLOYMENT, deployment("web", 2))

        async def two_addresses() -> dict | None:
            try:
                ep = await client.get(ENDPOINTS, "web", "default")
            except Exception:
                return None
            subsets = ep.get("subsets") or []
            return ep if subsets and len(subsets[0].get("addresses") or []) == 2 else None

        ep = await eventually(two_addresses, timeout=30)
        assert ep["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
        assert {a["targetRef"]["kind"] for a in ep["subsets"][0]["addresses"]} == {"Pod"}


async def test_node_loss_moves_every_replica_to_the_remaining_nodes(client: RestClient) -> None:
    async with HollowCluster(client, ["n1", "n2", "n3"]) as nodes, controllers(client):
        await client.create(DEPLOYMENT, deployment("web", 6))

        async def spread() -> bool:
            pods = await running_pods(client)
            return len(pods) == 6 and len({p["spec"]["nodeName"] for p in pods}) == 3

        await eventually(spread, timeout=30)
        started = time.monotonic()
        nodes.kill("n1")

        async def recovered() -> bool:
            pods = await running_pods(client)
            return len(pods) == 6 and all(p["spec"]["nodeName"] != "n1" for p in pods)

        await eventually(recovered, timeout=60, interval=0.2)
        elapsed = time.monotonic() - started
        node = await client.get(NODE, "n1")
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "Unknown" and ready["reason"] == "NodeStatusUnknown"
        assert {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}.items() <= node["spec"]["taints"][0].items()
        print(f"\nnode loss: every replica running elsewhere {elapsed:.1f}s after the node stopped "
              f"(grace {FAST.node_monitor_grace_period}s + toleration {FAST.default_toleration_seconds}s)")


async def test_deleting_a_namespace_empties_and_removes_it(client: RestClient) -> None:
    async with controllers(client):
        await client.create(NAMESPACE, {"metadata": {"name": "team"}})
        await client.create(SERVICE, {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}, "team")
        await client.create(DEPLOYMENT, {**deployment("web", 2), "metadata": {"name": "web", "namespace": "team"}})

        async def has_pods() -> bool:
            return len((await client.list(POD, "team"))["items"]) == 2

        await eventually(has_pods, timeout=20)
        await client.delete(NAMESPACE, "team")

        async def gone() -> bool:
            try:
                await client.get(NAMESPACE, "team")
            except Exception as exc:
                return getattr(exc, "code", 0) == 404
            return False

        await eventually(gone, timeout=30)


@pytest.mark.parametrize("policy", ["Foreground", "Orphan"])
async def test_foreground_and_orphan_deletes(client: RestClient, policy: str) -> None:
    async with controllers(client):
        await client.create(DEPLOYMENT, deployment("web", 2))

        async def pods_made() -> bool:
            return len((await client.list(POD, "default", label_selector="app=web"))["items"]) == 2

        await eventually(pods_made, timeout=20)
        await client.delete(DEPLOYMENT, "web", "default", propagation_policy=policy)

        async def deployment_gone() -> bool:
            try:
                await client.get(DEPLOYMENT, "web", "default")
            except Exception as exc:
                return getattr(exc, "code", 0) == 404
            return False

        await eventually(deployment_gone, timeout=30)
        sets = (await client.list(REPLICASET, "default"))["items"]
        if policy == "Orphan":
            assert len(sets) == 1 and not sets[0]["metadata"].get("ownerReferences")
        else:
            assert sets == []
