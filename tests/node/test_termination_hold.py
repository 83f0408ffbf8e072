"""The termination gate end to end (issue 16): an in-process API server, a simulated node
agent whose runtime records each SIGTERM, and a real Proxier + ProgrammedLease whose
executor the test can block (a proxy that has seen a change but not yet programmed it).
The test plays the EndpointSlice controller: it writes the slices by hand.

- a pod a Service selects gets SIGTERM only after the proxy's Lease reports the revision in
  which its endpoint was withdrawn;
- a pod no Service selects gets it at once, whatever the proxies are doing;
- a stuck proxy holds a pod no longer than its grace period minus the reserve;
- an agent stopped while it holds a pod stops at once and leaves the pod's containers
  alone; its successor holds the pod again and sends SIGTERM once the proxy caught up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from kube.api import programmed_lease
from kube.api.registry import resolve
from kube.client.rest import RestClient
from kube.node.fleet import NodeFleet
from kube.node.simulated_fleet import simulated_agents
from kube.proxy.programmed_lease import ProgrammedLease
from kube.proxy.proxier import Proxier
from kube.proxy.service_targets import ServiceTarget
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.metric_samples import sample
from tests.node.cluster import LEASE, POD, assign_pod_cidrs, bound_pod

SERVICE, SLICE = resolve("services"), resolve("endpointslices")
NODE_NAME, PROXY_HOST = "tg-0", "tg-proxy"


class BlockableExecutor:
    """An executor whose commits wait while `open` is clear (a proxy stuck in iptables-restore)."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self.waiting = 0

    async def apply(self, targets: list[ServiceTarget]) -> None:
        self.waiting += 1
        try:
            await self.open.wait()
        finally:
            self.waiting -= 1

    async def close(self) -> None:
        pass


@dataclass
class Setup:
    client: RestClient
    fleet: NodeFleet
    executor: BlockableExecutor
    publisher: ProgrammedLease
    order: list[Any] = field(default_factory=list)  # ("stop", pod uid, grace) and the test's own marks
    uids: dict[str, str] = field(default_factory=dict)  # pod name -> uid

    def stops(self, name: str) -> list[float]:
        return [entry[2] for entry in self.order if isinstance(entry, tuple) and entry[1] == self.uids[name]]

    def first_stop(self, name: str) -> int:
        return next(i for i, e in enumerate(self.order) if isinstance(e, tuple) and e[1] == self.uids[name])

    def outcomes(self, reason: str) -> float:
        return sample(self.fleet.registry, "kube_node_termination_holds_total", outcome=reason) or 0.0

    async def running_pod(self, name: str, grace: int, labels: dict[str, str] | None = None) -> dict[str, Any]:
        await self.client.create(POD, bound_pod(name, NODE_NAME, grace=grace, labels=labels), "default")

        async def running() -> dict[str, Any] | None:
            pod = await self.client.get(POD, name, "default")
            return pod if pod["status"].get("phase") == "Running" and pod["status"].get("podIP") else None
        pod = await eventually(running, timeout=30)
        self.uids[name] = pod["metadata"]["uid"]
        return pod

    async def selected_pod(self, name: str, grace: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """A running pod, its Service and its slice (ready), programmed by the proxy."""
        pod = await self.running_pod(name, grace, {"app": name})
        await self.client.create(SERVICE, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                                           "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}}, "default")
        slice_ = await self.client.create(SLICE, slice_body(name, pod, ready=True), "default")
        await self.programmed(int(slice_["metadata"]["resourceVersion"]))
        return pod, slice_

    async def programmed(self, revision: int) -> None:
        async def reached() -> bool:
            lease = await self.client.get(LEASE, programmed_lease.lease_name(PROXY_HOST), "kube-node-lease")
            return (programmed_lease.programmed_revision(lease) or 0) >= revision
        await eventually(reached, timeout=30)

    async def withdraw(self, name: str, pod: dict[str, Any], current: dict[str, Any]) -> int:
        """What the EndpointSlice controller does once the pod is terminating; its new revision."""
        body = slice_body(name, pod, ready=False)
        body["metadata"] = current["metadata"]
        return int((await self.client.update(SLICE, body, "default"))["metadata"]["resourceVersion"])

    async def wait_gone(self, name: str) -> None:
        """Until the pod is removed from the API (its containers stopped, the agent done)."""
        async def gone() -> bool:
            return not any(p["metadata"]["name"] == name for p in (await self.client.list(POD, "default"))["items"])
        await eventually(gone, timeout=30)

    async def lease_revision(self) -> int:
        lease = await self.client.get(LEASE, programmed_lease.lease_name(PROXY_HOST), "kube-node-lease")
        return programmed_lease.programmed_revision(lease) or 0


def slice_body(name: str, pod: dict[str, Any], *, ready: bool) -> dict[str, Any]:
    meta = pod["metadata"]
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{name}-1", "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [pod["status"]["podIP"]], "nodeName": NODE_NAME,
                           "conditions": {"ready": ready, "serving": True, "terminating": not ready},
                           "targetRef": {"kind": "Pod", "namespace": "default", "name": meta["name"],
                                         "uid": meta["uid"]}}],
            "ports": [{"name": "", "port": 80, "protocol": "TCP"}]}


def recording_fleet(client: RestClient, order: list[Any]) -> NodeFleet:
    """The node's agent process, its runtime's stop_pod (SIGTERM) noted in `order`."""
    agents = simulated_agents(client, 1, name_prefix="tg")
    runtime = agents[0].runtime
    original = runtime.stop_pod

    async def recording_stop(uid: str, grace: float) -> None:
        order.append(("stop", uid, grace))
        await original(uid, grace)

    runtime.stop_pod = recording_stop  # type: ignore[method-assign]
    return NodeFleet(client, agents, lease_interval=2.0)


@pytest.fixture
async def setup(kubeconfig) -> AsyncIterator[Setup]:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    order: list[Any] = []
    fleet = recording_fleet(client, order)
    executor = BlockableExecutor()
    publisher = ProgrammedLease(client, PROXY_HOST, renew_seconds=1.0)
    proxier = Proxier(client, executor, min_sync_period=0.01)
    proxier.on_programmed = publisher.programmed
    done = Setup(client, fleet, executor, publisher, order)
    tasks = [asyncio.create_task(proxier.run()), asyncio.create_task(publisher.run())]
    try:
        await asyncio.wait_for(fleet.start(), 60)
        await assign_pod_cidrs(client, [NODE_NAME])
        yield done
    finally:
        executor.open.set()
        await done.fleet.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.close()


async def test_sigterm_waits_until_the_proxy_lease_shows_the_endpoint_withdrawn(setup: Setup) -> None:
    pod, slice_ = await setup.selected_pod("web", grace=30)
    setup.executor.open.clear()  # from now on the proxy sees changes but cannot commit them
    await setup.client.delete(POD, "web", "default")
    withdrawn_at = await setup.withdraw("web", pod, slice_)

    async def held() -> bool:  # the proxy is stuck on the change, and the agent holds the pod
        return setup.executor.waiting > 0 and sample(setup.fleet.registry, "kube_node_termination_holding") == 1
    await eventually(held, timeout=30)
    assert await setup.lease_revision() < withdrawn_at
    assert setup.stops("web") == []
    setup.order.append("proxy released")
    setup.executor.open.set()

    await setup.wait_gone("web")
    assert setup.order.index("proxy released") < setup.first_stop("web")
    assert await setup.lease_revision() >= withdrawn_at
    assert setup.outcomes("programmed") == 1 and setup.outcomes("grace-period") == 0
    assert setup.stops("web")[0] > 2.0  # what the hold left of the 30 s: far more than the reserve


async def test_a_pod_no_service_selects_gets_sigterm_at_once(setup: Setup) -> None:
    await setup.selected_pod("web", grace=30)  # a live proxy Lease exists
    await setup.running_pod("lonely", grace=30)
    setup.executor.open.clear()  # and that proxy is stuck: irrelevant to a pod no slice lists
    await setup.client.delete(POD, "lonely", "default")

    async def stopped() -> bool:
        return bool(setup.stops("lonely"))
    await eventually(stopped, timeout=10)  # far less than the 28 s a hold could take
    assert setup.outcomes("not-selected") == 1
    assert setup.outcomes("programmed") == setup.outcomes("grace-period") == 0


async def test_a_stuck_proxy_holds_a_pod_only_until_its_grace_period_runs_short(setup: Setup) -> None:
    pod, slice_ = await setup.selected_pod("slow", grace=4)
    setup.executor.open.clear()
    await setup.client.delete(POD, "slow", "default")
    await setup.withdraw("slow", pod, slice_)

    async def stopped() -> bool:
        return bool(setup.stops("slow"))
    await eventually(stopped, timeout=30)
    assert setup.outcomes("grace-period") == 1 and setup.outcomes("programmed") == 0
    left = setup.stops("slow")[0]
    assert 0 < left <= 4 - 2  # waited out grace minus the reserve, then SIGTERM with what remained
    assert setup.executor.waiting > 0  # the proxy never caught up


async def test_an_agent_stopped_while_holding_leaves_the_pod_to_its_successor(setup: Setup) -> None:
    pod, slice_ = await setup.selected_pod("web", grace=30)
    setup.executor.open.clear()
    await setup.client.delete(POD, "web", "default")
    await setup.withdraw("web", pod, slice_)

    async def held() -> bool:
        return sample(setup.fleet.registry, "kube_node_termination_holding") == 1
    await eventually(held, timeout=30)
    await asyncio.wait_for(setup.fleet.stop(), 10)  # not the 28 s the hold could still take
    assert setup.stops("web") == []  # no SIGTERM: the containers were left running
    assert (await setup.client.get(POD, "web", "default"))["metadata"]["deletionTimestamp"]

    setup.fleet = recording_fleet(setup.client, setup.order)  # the restarted agent
    await asyncio.wait_for(setup.fleet.start(), 60)
    await eventually(held, timeout=30)  # holds the terminating pod again
    setup.order.append("proxy released")
    setup.executor.open.set()

    await setup.wait_gone("web")
    assert setup.order.index("proxy released") < setup.first_stop("web")
    assert setup.outcomes("programmed") == 1
