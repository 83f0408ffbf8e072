"""Three API servers on one three-member etcd cluster, every other component given all
three with `--api-servers`: SIGKILL and restart each API server in turn, then one etcd
member in turn, CHAOS_ROUNDS times each, under the write load and the watches (which fail
over to the next API server when theirs dies). The same proof after every restart as
test_component_restarts.py: convergence, every acknowledged write seen exactly once by
the resuming watch, no Deployment above its replicas (+ maxSurge)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from kube.local.etcd_members import EtcdCluster
from tests.chaos.harness import ChaosHarness
from tests.chaos.record import RECORD, rounds
from tests.chaos.supervisor import ChaosCluster
from tests.fixtures.etcd_cluster import start_etcd_cluster
from tests.local.local_cluster import wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.etcd, pytest.mark.slow]


@pytest.fixture(scope="module")
def etcd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdCluster]:
    cluster = start_etcd_cluster(tmp_path_factory.mktemp("chaos-etcd"), 3)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory, etcd: EtcdCluster) -> Iterator[ChaosHarness]:
    cluster = ChaosCluster(tmp_path_factory.mktemp("chaos-ha") / "cluster", store="etcd:" + ",".join(etcd.endpoints),
                           apiservers=3)
    h = ChaosHarness(cluster, "3 API servers, 3 etcd members")
    try:
        h.start()
        yield h
    finally:
        h.close()


def restart_etcd_member(etcd: EtcdCluster, index: int) -> None:
    """SIGKILL one member and start it again on its data directory (it rejoins; the flags'
    initial cluster is ignored for a member that has data)."""
    member = etcd.members[index]
    member.kill()
    time.sleep(1.0)
    initial = ",".join(f"{m.name}={m.peer_url}" for m in etcd.members)
    member.start(initial, f"kube-{member.directory.name}")
    wait_for(f"etcd member {member.name} healthy again", member.healthy, 60, 0.2)


@pytest.mark.timeout(1800)
def test_the_cluster_converges_after_each_api_server_in_turn_is_sigkilled_and_restarted(
        harness: ChaosHarness) -> None:
    names = harness.cluster.apiserver_names
    others = {n: harness.cluster.pid(n) for n in ("scheduler", "controller-manager", "nodes")}
    turn = iter(range(rounds()))
    harness.rounds("apiserver", rounds(), lambda: harness.cluster.restart(names[next(turn) % len(names)]))
    for name, pid in others.items():  # they failed over to the other API servers, and back
        assert harness.cluster.pid(name) == pid, f"{name} restarted:\n{harness.cluster.logs_tail(name)}"


@pytest.mark.timeout(1800)
def test_the_cluster_converges_after_each_etcd_member_in_turn_is_sigkilled_and_restarted(
        harness: ChaosHarness, etcd: EtcdCluster) -> None:
    turn = iter(range(rounds()))
    harness.rounds("etcd-member", rounds(), lambda: restart_etcd_member(etcd, next(turn) % len(etcd.members)))
    assert all(m.healthy() for m in etcd.members)


@pytest.mark.timeout(300)
def test_every_acknowledged_write_was_seen_exactly_once_across_the_restarts(harness: ChaosHarness) -> None:
    harness.finish()
    assert RECORD.scenarios
