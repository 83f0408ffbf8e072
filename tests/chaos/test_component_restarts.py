"""SIGKILL and restart each component of a one-API-server cluster (SQLite store,
simulated nodes), CHAOS_ROUNDS times each, under a steady load of ConfigMap creates and
updates and two watches from the official client. After every restart the cluster must
converge (a new Deployment rolls out, a deleted pod is replaced, an old Deployment rolls
out a new template and is deleted with its pods), every acknowledged write must have been
seen exactly once by the resuming watch, and no Deployment may have run more pods than
its replicas (+ maxSurge in a rollout). tests/chaos/test_apiserver_restart.py is the
single reproduction through `kube up`; this is the loop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chaos.harness import ChaosHarness
from tests.chaos.record import rounds
from tests.chaos.supervisor import ChaosCluster

pytestmark = [pytest.mark.chaos, pytest.mark.slow]
COMPONENTS = ("apiserver", "scheduler", "controller-manager", "nodes")


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChaosHarness]:
    h = ChaosHarness(ChaosCluster(tmp_path_factory.mktemp("chaos-one") / "cluster"), "1 API server, sqlite")
    try:
        h.start()
        yield h
    finally:
        h.close()


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("component", COMPONENTS)
def test_the_cluster_converges_after_each_sigkill_and_restart_of(harness: ChaosHarness, component: str) -> None:
    others = {name: harness.cluster.pid(name) for name in harness.cluster.plan if name != component}
    harness.rounds(component, rounds())
    for name, pid in others.items():  # the others rode it out in the same process
        assert harness.cluster.pid(name) == pid, f"{name} restarted:\n{harness.cluster.logs_tail(name)}"
    for name in harness.cluster.plan:
        log = harness.cluster.log_text(name)
        assert "Task exception was never retrieved" not in log, harness.cluster.logs_tail(name, 60)


@pytest.mark.timeout(300)
def test_every_acknowledged_write_was_seen_exactly_once_across_the_restarts(harness: ChaosHarness) -> None:
    harness.finish()
