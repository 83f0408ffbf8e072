"""The controllers against a real API server (embedded store), the real scheduler and
simulated nodes: rollouts, Endpoints, namespace deletion, foreground and orphan deletes."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from kube.client.rest import RestClient
from kube.controllers.actions import DEPLOYMENT, ENDPOINTS, NAMESPACE, NODE, POD, REPLICASET, SERVICE
from kube.controllers.events import EVENT
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import controllers, real_cluster, rollout_complete, running_pods
from tests.controllers.workloads import deployment


async def test_a_deployment_rolls_out_and_updates(client: RestClient, kubeconfig: Path, tmp_path: Path) -> None:
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 2}):
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
        cidrs = [ipaddress.ip_network(n["spec"]["podCIDR"]) for n in nodes]  # round-robin, as Kubernetes' CidrSet:
        assert len(set(cidrs)) == 2 and all(  # a patch lost to a 409 moves on to the next one
            c.prefixlen == 24 and c.subnet_of(ipaddress.ip_network("10.244.0.0/16")) for c in cidrs), cidrs

        # cascading delete: the ReplicaSets and pods go with the Deployment
        await client.delete(DEPLOYMENT, "web", "default", propagation_policy="Background")

        async def all_gone() -> bool:
            return not (await client.list(REPLICASET, "default"))["items"] and not (await client.list(
                POD, "default", label_selector="app=web"))["items"]

        await eventually(all_gone, timeout=30)


async def test_endpoints_follow_pods(client: RestClient, kubeconfig: Path, tmp_path: Path) -> None:
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 1}):
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
        pod_ips = {p["status"]["podIP"] for p in await running_pods(client)}
        assert {a["ip"] for a in ep["subsets"][0]["addresses"]} == pod_ips


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

        async def finalized_event() -> list[dict[str, Any]]:
            events = (await client.list(EVENT, "default"))["items"]
            return [e for e in events if e["reason"] == "NamespaceFinalized"
                    and e["involvedObject"] == {"kind": "Namespace", "apiVersion": "v1", "name": "team",
                                                "uid": e["involvedObject"].get("uid")}]

        (event,) = await eventually(finalized_event, timeout=10)
        assert event["source"]["component"] == "namespace-controller" and event["involvedObject"]["uid"]


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
