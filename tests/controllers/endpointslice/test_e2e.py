"""EndpointSlices on a cheap real cluster (API server, `kube scheduler` process, controller
manager, simulated nodes): a Deployment's pods land in its Service's slices with their nodes,
scaling moves them, deleting a pod marks it terminating then drops it, and the real kubectl
shows the slices and the Service's endpoints."""

from __future__ import annotations

from pathlib import Path

from kube.client.rest import RestClient
from kube.controllers.actions import DEPLOYMENT, POD, SERVICE
from kube.controllers.endpointslice.reconcile import ENDPOINTSLICE
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import Kubectl, real_cluster, running_pods
from tests.controllers.workloads import deployment


async def ready_addresses(client: RestClient) -> dict[str, str]:
    items = (await client.list(ENDPOINTSLICE, "default", label_selector="kubernetes.io/service-name=web"))["items"]
    return {a: e.get("nodeName", "") for s in items for e in s.get("endpoints") or [] if e["conditions"]["ready"]
            for a in e["addresses"]}


async def test_slices_follow_a_deployment(client: RestClient, kubeconfig: Path, tmp_path: Path) -> None:
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 2}):
        await client.create(SERVICE, {"metadata": {"name": "web"}, "spec": {
            "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}, "default")
        await client.create(DEPLOYMENT, deployment("web", 3))

        async def matches_pods(count: int) -> dict[str, str] | None:
            pods = {p["status"]["podIP"]: p["spec"]["nodeName"] for p in await running_pods(client)}
            got = await ready_addresses(client)
            return got if len(pods) == count and got == pods else None

        placed = await eventually(lambda: matches_pods(3), timeout=60)
        assert set(placed.values()) <= {"node-0", "node-1"}

        kubectl = Kubectl(kubeconfig, tmp_path / "kube-cache")
        rows = (await kubectl.ok("get", "endpointslices", "-l", "kubernetes.io/service-name=web")).splitlines()[1:]
        assert len(rows) == 1 and rows[0].split()[1:3] == ["IPv4", "8080"], rows
        described = await kubectl.ok("describe", "service", "web")
        line = next(ln for ln in described.splitlines() if ln.startswith("Endpoints:"))
        assert all(f"{ip}:8080" in line for ip in placed), described

        await client.patch(DEPLOYMENT, "web", {"spec": {"replicas": 1}}, "default")
        await eventually(lambda: matches_pods(1), timeout=60)

        (last,) = await running_pods(client)
        await client.delete(POD, last["metadata"]["name"], "default")

        async def replaced() -> bool:  # the Deployment's new pod takes the old one's place
            got = await ready_addresses(client)
            return len(got) == 1 and last["status"]["podIP"] not in got

        await eventually(replaced, timeout=60)
