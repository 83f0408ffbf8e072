"""Leader election on a Lease against the real API server: one leader; a killed leader is
replaced within the lease duration (generous deadline here, tight figures in benchmarks)."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from kube.api.registry import by_gvk
from kube.client.leader_election import LeaderElectionConfig, LeaderElector, master_status
from kube.client.rest import RestClient
from tests.metric_samples import sample

LEASE = by_gvk("coordination.k8s.io", "v1", "Lease")


def elector(client: RestClient, name: str, log: list[str], release: bool = False,
            lease_duration: float = 2.0) -> LeaderElector:
    config = LeaderElectionConfig("ctrl", "kube-system", identity=name, lease_duration=lease_duration,
                                  renew_deadline=1.5, retry_period=0.2, release_on_cancel=release)
    return LeaderElector(client, config, on_started_leading=lambda: log.append(f"start {name}"),
                         on_stopped_leading=lambda: log.append(f"stop {name}"))


async def wait_for(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_one_leads_and_the_other_takes_over_when_it_dies(client: RestClient) -> None:
    log: list[str] = []
    a, b = elector(client, "a", log), elector(client, "b", log)
    tasks = {"a": asyncio.ensure_future(a.run()), "b": asyncio.ensure_future(b.run())}
    try:
        await wait_for(lambda: a.is_leader() or b.is_leader())
        await asyncio.sleep(1.0)  # several renew rounds: still exactly one leader
        assert a.is_leader() != b.is_leader()
        leader, follower = (a, b) if a.is_leader() else (b, a)
        assert follower.leader == leader.identity
        assert sample(leader.registry, "leader_election_master_status", name="ctrl") == 1
        assert sample(follower.registry, "leader_election_master_status", name="ctrl") == 0
        lease = await client.get(LEASE, "ctrl", "kube-system")
        assert lease["spec"]["holderIdentity"] == leader.identity
        assert lease["spec"]["leaseDurationSeconds"] == 2
        loop = asyncio.get_running_loop()
        killed_at = loop.time()
        tasks[leader.identity].cancel()  # dies without releasing
        await asyncio.gather(tasks[leader.identity], return_exceptions=True)
        assert sample(leader.registry, "leader_election_master_status", name="ctrl") == 0
        await wait_for(follower.is_leader, timeout=20.0)
        assert loop.time() - killed_at >= 1.0  # it had to wait for the lease to expire
        assert sample(follower.registry, "leader_election_master_status", name="ctrl") == 1
        lease = await client.get(LEASE, "ctrl", "kube-system")
        assert lease["spec"]["holderIdentity"] == follower.identity
        assert lease["spec"]["leaseTransitions"] >= 1
        assert log[0] == f"start {leader.identity}" and log[-1] == f"start {follower.identity}"
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)


async def test_release_on_shutdown_lets_the_successor_in_at_once(client: RestClient) -> None:
    log: list[str] = []
    a = elector(client, "a", log, release=True, lease_duration=60.0)
    task_a = asyncio.ensure_future(a.run())
    await wait_for(a.is_leader)
    b = elector(client, "b", log)
    task_b = asyncio.ensure_future(b.run())
    try:
        await asyncio.sleep(0.5)
        assert not b.is_leader()
        task_a.cancel()
        await asyncio.gather(task_a, return_exceptions=True)
        assert log[:2] == ["start a", "stop a"]
        lease = await client.get(LEASE, "ctrl", "kube-system")
        assert lease["spec"]["holderIdentity"] == ""
        await wait_for(b.is_leader, timeout=20.0)  # a's 60s lease would not have expired yet
    finally:
        task_b.cancel()
        await asyncio.gather(task_b, return_exceptions=True)


def test_config_rejects_inconsistent_durations() -> None:
    with pytest.raises(ValueError):
        LeaderElectionConfig("x", lease_duration=5, renew_deadline=10, retry_period=2)


def test_electors_of_one_process_share_the_status_family() -> None:
    registry = CollectorRegistry()
    config = LeaderElectionConfig("kube-scheduler", identity="s", lease_duration=2, renew_deadline=1.5,
                                  retry_period=0.2)
    LeaderElector(None, config, registry=registry)  # type: ignore[arg-type]  # no request before run()
    other = LeaderElectionConfig("kube-controller-manager", identity="c", lease_duration=2, renew_deadline=1.5,
                                 retry_period=0.2)
    LeaderElector(None, other, registry=registry)  # type: ignore[arg-type]
    master_status(registry).labels(name="always-on").set(1)  # a daemon without election
    assert sample(registry, "leader_election_master_status", name="kube-scheduler") == 0
    assert sample(registry, "leader_election_master_status", name="kube-controller-manager") == 0
    assert sample(registry, "leader_election_master_status", name="always-on") == 1
