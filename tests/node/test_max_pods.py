"""--max-pods admission in the agent: pods bound past the node's pod capacity fail with
reason OutOfpods (as the kubelet does), a freed slot takes the next pod, and a restarted
agent keeps the pods it was already running."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from kube.client.rest import RestClient
from kube.node.fleet import NodeFleet
from kube.node.simulated_fleet import simulated_agents
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.node.cluster import POD, assign_pod_cidrs, bound_pod

MAX_PODS = 3


async def start(client: RestClient) -> NodeFleet:
    fleet = NodeFleet(client, simulated_agents(client, 1, name_prefix="mp", max_pods=MAX_PODS), lease_interval=2.0)
    await asyncio.wait_for(fleet.start(), 60)
    return fleet


async def phases(client: RestClient) -> dict[str, str]:
    items = (await client.list(POD, "default"))["items"]
    return {p["metadata"]["name"]: (p.get("status") or {}).get("phase", "") for p in items}


async def test_pods_past_max_pods_fail_with_out_of_pods(kubeconfig):  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    fleet = await start(client)
    try:
        await assign_pod_cidrs(client, ["mp-0"])
        for i in range(MAX_PODS + 2):
            await client.create(POD, bound_pod(f"p{i}", "mp-0"), "default")

        async def settled() -> dict[str, str] | None:
            seen = await phases(client)
            return seen if sorted(seen.values()) == ["Failed"] * 2 + ["Running"] * MAX_PODS else None

        seen = await eventually(settled, timeout=30, interval=0.2)
        rejected = [name for name, phase in seen.items() if phase == "Failed"]
        for name in rejected:
            status = (await client.get(POD, name, "default"))["status"]
            assert status["reason"] == "OutOfpods"
            assert f"capacity: {MAX_PODS}" in status["message"]
        assert len(fleet.agents["mp-0"].admitted) == MAX_PODS

        # a running pod goes: its slot takes the next pod; the rejected ones stay Failed
        running = sorted(name for name, phase in seen.items() if phase == "Running")
        await client.delete(POD, running[0], "default", grace_period_seconds=0)
        await client.create(POD, bound_pod("late", "mp-0"), "default")

        async def late_runs() -> bool:
            now = await phases(client)
            return now.get("late") == "Running" and running[0] not in now

        await eventually(late_runs, timeout=30, interval=0.2)
        now = await phases(client)
        assert [now[name] for name in rejected] == ["Failed", "Failed"]

        # a restarted agent keeps every pod it ran, whatever order it resyncs them in
        await fleet.stop()
        fleet = await start(client)
        await asyncio.sleep(1.0)
        assert await phases(client) == now
        assert len(fleet.agents["mp-0"].admitted) == MAX_PODS
    finally:
        await fleet.stop()
        await client.close()


@given(st.lists(st.booleans(), max_size=30), st.integers(min_value=1, max_value=5))
def test_admission_never_exceeds_max_pods(started_before: list[bool], max_pods: int) -> None:
    """Whatever mix of new pods and pods the node had started before (status shows its
    hostIP): a new pod is admitted exactly while fewer than max_pods are active, a pod it
    started before always is, and admitting twice changes nothing."""
    from kube.node.agent import NodeAgent
    from kube.node.node_config import NodeConfig
    from kube.node.simulated_runtime import SimulatedRuntime

    agent = NodeAgent(NodeConfig("n", max_pods=max_pods), SimulatedRuntime("n"), client=None)  # type: ignore[arg-type]
    active = new_admitted = 0
    for i, before in enumerate(started_before):
        pod = {"metadata": {"uid": f"u{i}"}, "status": {"hostIP": "127.0.0.1"} if before else {}}
        expect_ok = before or active < max_pods
        message = agent.admission(pod)
        assert (message == "") == expect_ok
        if expect_ok:
            active += 1
            new_admitted += not before
            assert agent.admission(pod) == ""  # idempotent
        else:
            assert f"used: {active}, capacity: {max_pods}" in message
    assert len(agent.admitted) == active
    assert new_admitted <= max_pods
