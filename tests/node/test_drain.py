"""`kubectl cordon`, `uncordon` and `drain` on the real stack: the in-process API server,
the controller manager (ReplicaSet controller), the `kube scheduler` process and three
simulated nodes. A PodDisruptionBudget (minAvailable 2 of 3) makes the drain evict one
pod at a time: the others are refused (429) until a replacement runs Ready elsewhere."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from kube.api.registry import resolve
from kube.client.rest import RestClient
from kube.controllers.actions import NODE, POD
from tests.apiserver.conftest import eventually
from tests.controllers.conftest import client  # noqa: F401 - fixture
from tests.controllers.real_cluster import Kubectl, real_cluster, running_pods
from tests.controllers.workloads import replica_set

PDB, REPLICASET = resolve("poddisruptionbudgets"), resolve("replicasets")
MIN_AVAILABLE = 2


def web_replica_set() -> dict[str, Any]:
    rs = replica_set("web", 3)
    spec = rs["spec"]["template"]["spec"]
    spec["terminationGracePeriodSeconds"] = 1
    spec["volumes"] = [{"name": "scratch", "emptyDir": {}}]  # drain needs --delete-emptydir-data for these
    return rs


def ready(pod: dict[str, Any]) -> bool:
    return not pod["metadata"].get("deletionTimestamp") and any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in (pod.get("status") or {}).get("conditions") or [])


async def lowest_ready(api: RestClient, stop: asyncio.Event) -> int:
    """The fewest Ready web pods seen while sampling, until told to stop."""
    lowest = 1 << 30
    while not stop.is_set():
        pods = (await api.list(POD, "default", label_selector="app=web"))["items"]
        lowest = min(lowest, sum(ready(p) for p in pods))
        await asyncio.sleep(0.05)
    return lowest


async def test_cordon_then_drain_honours_the_disruption_budget(client: RestClient, kubeconfig: Path,  # noqa: F811
                                                              tmp_path: Path) -> None:
    kubectl = Kubectl(kubeconfig, tmp_path / "kubectl-cache")
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 3}):
        # cordoned nodes get no new pods: all three replicas land on node-0
        out = await kubectl.ok("cordon", "node-1", "node-2")
        assert "node/node-1 cordoned" in out and "node/node-2 cordoned" in out
        assert (await client.get(NODE, "node-1"))["spec"]["unschedulable"] is True
        await client.create(PDB, {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                  "metadata": {"name": "web", "namespace": "default"},
                                  "spec": {"minAvailable": MIN_AVAILABLE,
                                           "selector": {"matchLabels": {"app": "web"}}}}, "default")
        await client.create(REPLICASET, web_replica_set(), "default")

        async def three_running() -> list[dict[str, Any]] | None:
            pods = await running_pods(client)
            return pods if len(pods) == 3 and all(ready(p) for p in pods) else None

        pods = await eventually(three_running, timeout=60, interval=0.2)
        assert {p["spec"]["nodeName"] for p in pods} == {"node-0"}

        out = await kubectl.ok("uncordon", "node-1", "node-2")
        assert "node/node-1 uncordoned" in out
        assert not (await client.get(NODE, "node-2"))["spec"].get("unschedulable")

        # drain node-0: every eviction past the first waits for a replacement to be Ready elsewhere
        stop = asyncio.Event()
        sampler = asyncio.ensure_future(lowest_ready(client, stop))
        try:
            code, out, err = await kubectl.run("drain", "node-0", "--ignore-daemonsets", "--delete-emptydir-data",
                                               "--timeout=120s", timeout=150)
        finally:
            stop.set()
            with contextlib.suppress(Exception):
                lowest = await sampler
        assert code == 0, f"kubectl drain exited {code}: {err}{out}"
        assert "node/node-0 drained" in out
        assert "Cannot evict pod as it would violate the pod's disruption budget" in err + out
        assert all(f"pod/{p['metadata']['name']} evicted" in out for p in pods)
        assert lowest >= MIN_AVAILABLE, f"only {lowest} Ready web pods during the drain"
        assert (await client.get(NODE, "node-0"))["spec"]["unschedulable"] is True

        async def moved() -> list[dict[str, Any]] | None:
            now = await running_pods(client)
            return now if len(now) == 3 and all(ready(p) for p in now) else None

        now = await eventually(moved, timeout=30, interval=0.2)
        assert {p["spec"]["nodeName"] for p in now} <= {"node-1", "node-2"}
        everything = (await client.list(POD, "default"))["items"]
        assert not [p for p in everything if p["spec"].get("nodeName") == "node-0"]
