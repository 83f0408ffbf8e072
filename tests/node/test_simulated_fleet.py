"""Simulated nodes against a real (in-process) API server: registration, leases, pods
going Running with IPs from the podCIDR, graceful deletion, re-adoption after a restart."""

from __future__ import annotations

import asyncio
import ipaddress

from kube.client.rest import RestClient
from kube.node.fleet import NodeFleet
from kube.node.simulated_fleet import simulated_agents
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.node.cluster import LEASE, NODE, POD, assign_pod_cidrs, bound_pod, condition


async def start_fleet(client: RestClient, count: int, **kw) -> NodeFleet:
    fleet = NodeFleet(client, simulated_agents(client, count=count, zones=["a", "b", "c"], **kw), lease_interval=2.0)
    await asyncio.wait_for(fleet.start(), 60)
    return fleet


async def test_nodes_register_with_zones_labels_and_leases(kubeconfig):  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    fleet = await start_fleet(client, 6, labels={"tier": "sim"}, name_prefix="sim",
                              taints=[{"key": "dedicated", "value": "sim", "effect": "NoSchedule"}])
    try:
        nodes = {n["metadata"]["name"]: n for n in (await client.list(NODE))["items"]}
        assert sorted(nodes) == [f"sim-{i}" for i in range(6)]
        zones = [nodes[f"sim-{i}"]["metadata"]["labels"]["topology.kubernetes.io/zone"] for i in range(6)]
        assert zones == ["a", "b", "c", "a", "b", "c"]
        node = nodes["sim-0"]
        assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "sim-0"
        assert node["metadata"]["labels"]["tier"] == "sim"
        assert node["status"]["capacity"]["pods"] == "110"
        assert node["spec"]["taints"] == [{"key": "dedicated", "value": "sim", "effect": "NoSchedule"}]
        assert node["status"]["allocatable"]["cpu"] == "32"
        assert condition(node, "Ready") == "True"
        assert condition(node, "MemoryPressure") == "False"
        assert node["status"]["nodeInfo"]["kubeletVersion"].startswith("v")

        async def leases_renewed():
            leases = (await client.list(LEASE, "kube-node-lease"))["items"]
            return len(leases) == 6 and fleet.heartbeats.renewals >= 12

        await eventually(leases_renewed, timeout=30)
        lease = await client.get(LEASE, "sim-3", "kube-node-lease")
        assert lease["spec"]["holderIdentity"] == "sim-3"
        assert lease["metadata"]["ownerReferences"][0]["uid"] == nodes["sim-3"]["metadata"]["uid"]
    finally:
        await fleet.stop()
        await client.close()


async def test_pods_run_with_ips_from_the_pod_cidr_and_finish_graceful_deletion(kubeconfig):  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    fleet = await start_fleet(client, 2)
    try:
        await client.create(POD, bound_pod("early", "node-0", containers=2, init=1), "default")
        await asyncio.sleep(0.5)
        early = await client.get(POD, "early", "default")
        assert early["status"]["phase"] == "Pending"  # no podCIDR yet: waits for node IPAM
        cidrs = await assign_pod_cidrs(client, ["node-0", "node-1"])
        for i in range(4):
            await client.create(POD, bound_pod(f"p{i}", f"node-{i % 2}"), "default")

        async def all_running():
            items = (await client.list(POD, "default"))["items"]
            ok = [p for p in items if p["status"].get("phase") == "Running" and condition(p, "Ready") == "True"]
            return items if len(ok) == 5 else None

        items = await eventually(all_running, timeout=30)
        ips = [p["status"]["podIP"] for p in items]
        assert len(set(ips)) == 5
        for p in items:
            assert ipaddress.ip_address(p["status"]["podIP"]) in ipaddress.ip_network(cidrs[p["spec"]["nodeName"]])
            assert p["status"]["hostIP"] == "127.0.0.1"
            assert condition(p, "Initialized") == "True"
        early = next(p for p in items if p["metadata"]["name"] == "early")
        assert [s["name"] for s in early["status"]["containerStatuses"]] == ["c0", "c1"]
        assert early["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"

        await client.delete(POD, "p0", "default", grace_period_seconds=5)

        async def gone():
            names = [p["metadata"]["name"] for p in (await client.list(POD, "default"))["items"]]
            return "p0" not in names

        await eventually(gone, timeout=20)
        # the freed address is handed out again only after every other one (no immediate reuse)
        await client.create(POD, bound_pod("p9", "node-0"), "default")

        async def p9_ip():
            return (await client.get(POD, "p9", "default"))["status"].get("podIP")

        assert await eventually(p9_ip, timeout=20) not in ips
    finally:
        await fleet.stop()
        await client.close()


async def test_restart_readopts_nodes_and_running_pods(kubeconfig):  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    fleet = await start_fleet(client, 2)
    await assign_pod_cidrs(client, ["node-0", "node-1"])
    await client.patch(NODE, "node-1", {"metadata": {"labels": {"extra": "kept"}}, "spec": {"unschedulable": True}})
    await client.create(POD, bound_pod("web", "node-1"), "default")

    async def running():
        pod = await client.get(POD, "web", "default")
        return pod if pod["status"].get("phase") == "Running" else None

    before = await eventually(running, timeout=20)
    node_uid = (await client.get(NODE, "node-1"))["metadata"]["uid"]
    await fleet.stop()

    fleet = await start_fleet(client, 2)
    try:
        await asyncio.sleep(1.0)
        after = await client.get(POD, "web", "default")
        assert after["status"] == before["status"]  # adopted as it was: same IP, start time, containers
        node = await client.get(NODE, "node-1")
        assert node["metadata"]["uid"] == node_uid
        assert node["metadata"]["labels"]["extra"] == "kept"
        assert node["spec"]["unschedulable"] is True  # a cordon survives the agent's restart
    finally:
        await fleet.stop()
        await client.close()
