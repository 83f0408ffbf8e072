"""A node whose wall clock jumps an hour forward (libfaketime, Debian's `faketime`, in the
node agent only: CLOCK_MONOTONIC untouched, as an NTP step leaves it) must not break the
cluster: it stays Ready while it heartbeats, new pods still run, and once it dies the node
lifecycle controller still sees it go (its Lease's renewTime, an hour ahead, must not keep
it "alive" for that hour: Kubernetes judges by when the controller saw the heartbeat change).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.chaos.convergence import Convergence, PodCeiling
from tests.chaos.harness import NAMESPACE
from tests.chaos.official_client import TIMEOUT, Servers
from tests.chaos.record import RECORD
from tests.chaos.supervisor import ChaosCluster
from tests.fixtures.requirements import missing

pytestmark = [pytest.mark.chaos, pytest.mark.slow]
LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
GRACE = 12.0  # node monitor grace period: above the agents' 10 s lease renewals


def ready(servers: Servers, name: str) -> str | None:
    """The node's Ready status; None while it has not registered yet."""
    try:
        node = json.loads(servers.core.read_node(name, _preload_content=False, _request_timeout=TIMEOUT).data)
    except ApiException as error:
        if error.status == 404:
            return None
        raise
    return next((c["status"] for c in (node.get("status") or {}).get("conditions") or [] if c["type"] == "Ready"),
                None)


def renew_ahead(servers: Servers, name: str, seconds: float) -> bool:
    """Is the node's Lease renewTime more than `seconds` ahead of this machine's clock?"""
    api = client.CoordinationV1Api(servers.clients[servers.current])
    try:
        lease = json.loads(api.read_namespaced_lease(name, "kube-node-lease", _preload_content=False,
                                                     _request_timeout=TIMEOUT).data)
    except ApiException as error:
        if error.status == 404:  # Ready comes from the node's status; its Lease may be a moment behind
            return False
        raise
    renewed = datetime.fromisoformat(lease["spec"]["renewTime"].replace("Z", "+00:00"))
    return (renewed - datetime.now(UTC)).total_seconds() > seconds


@pytest.fixture
def skewed(tmp_path: Path) -> Iterator[tuple[ChaosCluster, Path]]:
    if not LIBFAKETIME.exists():
        missing("libfaketime (apt install faketime)")
    offset = tmp_path / "faketime"
    offset.write_text("+0\n")
    cluster = ChaosCluster(tmp_path / "cluster", nodes=2, grace_seconds=GRACE)
    cluster.add("skewed", like="nodes", extra=["--count", "1", "--name-prefix", "skewed"], env={
        "LD_PRELOAD": str(LIBFAKETIME), "FAKETIME_TIMESTAMP_FILE": str(offset), "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
    try:
        yield cluster, offset
    finally:
        cluster.stop_all()


@pytest.mark.timeout(300)
def test_a_node_clock_jumping_an_hour_forward_breaks_nothing(skewed: tuple[ChaosCluster, Path]) -> None:
    cluster, offset = skewed
    servers = Servers(str(cluster.kubeconfig), cluster.urls)
    ceiling = PodCeiling(servers, NAMESPACE)
    try:
        cluster.start_all()
        servers.call(lambda s: s.core.create_namespace({"metadata": {"name": NAMESPACE}}, _request_timeout=TIMEOUT),
                     attempts=20)
        ceiling.start()
        convergence = Convergence(servers, NAMESPACE, ceiling, replicas=3)
        convergence.wait("node skewed-0 Ready", lambda: ready(servers, "skewed-0") == "True")

        offset.write_text("+3600\n")  # the jump
        convergence.wait("a renewTime an hour ahead", lambda: renew_ahead(servers, "skewed-0", 1800))
        convergence.check("after-jump")
        assert ready(servers, "skewed-0") == "True"

        cluster.kill("skewed")  # it dies: its last renewTime says it is alive for another hour
        convergence.wait(f"node skewed-0 no longer Ready {GRACE:g}s after its last heartbeat",
                         lambda: ready(servers, "skewed-0") != "True")
        # Its evicted pods now stay Terminating, as in Kubernetes: no agent is left to confirm them.
        # An operator removes the dead Node, and pod GC force-deletes what was bound to it; the
        # round's checks, which delete the previous Deployment, then wait for every one of its pods.
        servers.call(lambda s: s.core.delete_node("skewed-0", _request_timeout=TIMEOUT), attempts=5)
        convergence.check("after-death")
        RECORD.notes.append("node clock +1h (faketime): node stayed Ready while alive, new pods ran, "
                            "its death was seen within the grace period")
    finally:
        ceiling.stop()
        servers.close()
