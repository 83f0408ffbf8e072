"""The EndpointSlice controller against the in-process API server: slices follow pods, zones
come from Nodes, a restart adopts the slices instead of duplicating them, and the real
kubectl shows them (`get endpointslices`, `describe service`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from kube.client.rest import RestClient
from kube.controllers.actions import NODE, POD, SERVICE
from kube.controllers.context import ControllerOptions
from kube.controllers.endpointslice.reconcile import ENDPOINTSLICE
from kube.controllers.events import EVENT
from kube.controllers.manager import ControllerManager
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import Kubectl


@contextlib.asynccontextmanager
async def slice_controller(client: RestClient, limit: int = 100) -> AsyncIterator[ControllerManager]:
    manager = ControllerManager(client, ["endpoints", "endpointslice"], ControllerOptions(max_endpoints_per_slice=limit))
    task = asyncio.get_running_loop().create_task(manager.run())
    await asyncio.wait_for(manager.synced.wait(), 30)
    try:
        yield manager
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def make_pod(client: RestClient, name: str, ip: str, ready: bool = True) -> None:
    await client.create(POD, {"metadata": {"name": name, "labels": {"app": "web"}},
                              "spec": {"nodeName": "n1", "containers": [
                                  {"name": "c", "image": "img", "ports": [{"name": "web", "containerPort": 8080}]}]}},
                        "default")
    await set_ready(client, name, ip, ready)


async def set_ready(client: RestClient, name: str, ip: str, ready: bool) -> None:
    live = await client.get(POD, name, "default")
    live["status"] = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                      "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    await client.update_status(POD, live)


async def slices(client: RestClient) -> list[dict]:
    return (await client.list(ENDPOINTSLICE, "default", label_selector="kubernetes.io/service-name=web"))["items"]


def addresses(items: list[dict], ready_only: bool = False) -> list[str]:
    return sorted(a for s in items for e in s.get("endpoints") or [] for a in e["addresses"]
                  if e["conditions"]["ready"] or not ready_only)


async def test_slices_follow_pods_and_survive_a_restart(client: RestClient, kubeconfig: Path, tmp_path: Path) -> None:
    await client.create(NODE, {"metadata": {"name": "n1", "labels": {"topology.kubernetes.io/zone": "zone-a"}}})
    await client.create(SERVICE, {"metadata": {"name": "web"}, "spec": {
        "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "web"}]}}, "default")
    async with slice_controller(client, limit=2):
        for i in range(3):
            await make_pod(client, f"web-{i}", f"10.244.0.{i + 10}")

        async def three() -> list[dict] | None:
            items = await slices(client)
            return items if addresses(items, True) == ["10.244.0.10", "10.244.0.11", "10.244.0.12"] else None

        items = await eventually(three, timeout=30)
        assert sorted(len(s["endpoints"]) for s in items) == [1, 2], "at most 2 per slice"
        (one,) = [s for s in items if len(s["endpoints"]) == 1]
        assert one["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
        assert one["endpoints"][0]["zone"] == "zone-a" and one["endpoints"][0]["nodeName"] == "n1"
        assert one["metadata"]["ownerReferences"][0]["kind"] == "Service"
        assert one["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
            "endpointslice-controller.k8s.io"

        await set_ready(client, "web-1", "10.244.0.11", False)

        async def not_ready() -> bool:
            return addresses(await slices(client), True) == ["10.244.0.10", "10.244.0.12"]

        await eventually(not_ready, timeout=30)
        before = sorted(s["metadata"]["name"] for s in await slices(client))

    async with slice_controller(client, limit=2):  # a restart adopts, never duplicates
        await make_pod(client, "web-3", "10.244.0.13")

        async def four() -> bool:
            return addresses(await slices(client)) == [f"10.244.0.{i}" for i in range(10, 14)]

        await eventually(four, timeout=30)
        names = sorted(s["metadata"]["name"] for s in await slices(client))
        assert set(before) <= set(names) and len(names) == 2, names

        kubectl = Kubectl(kubeconfig, tmp_path / "kube-cache")
        table = await kubectl.ok("get", "endpointslices")
        header, *rows = table.splitlines()
        assert header.split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
        assert len(rows) == 2 and all(r.split()[1:3] == ["IPv4", "8080"] for r in rows), table
        described = await kubectl.ok("describe", "service", "web")
        line = next(ln for ln in described.splitlines() if ln.startswith("Endpoints:"))
        assert "10.244.0.10:8080" in line, described
        one_slice = await kubectl.ok("describe", "endpointslice", names[0])
        assert "AddressType:  IPv4" in one_slice and "Zone:       zone-a" in one_slice, one_slice

        await client.delete(SERVICE, "web", "default")

        async def gone() -> bool:
            return await slices(client) == []

        await eventually(gone, timeout=30)


async def test_a_port_name_no_container_has_gives_a_warning_event(client: RestClient) -> None:
    await client.create(NODE, {"metadata": {"name": "n1"}})
    await client.create(SERVICE, {"metadata": {"name": "web"}, "spec": {
        "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "htp"}]}}, "default")
    async with slice_controller(client):
        await make_pod(client, "web-0", "10.244.0.10")

        async def warned() -> dict | None:
            events = (await client.list(EVENT, "default"))["items"]
            return next((e for e in events if e.get("reason") == "FailedToResolvePort"), None)

        event = await eventually(warned, timeout=30)
        assert event["type"] == "Warning" and event["involvedObject"]["name"] == "web"
        assert "htp/TCP" in event["message"]
        async def endpoint_without_port() -> bool:  # the pod is an endpoint, in a slice without that port
            items = await slices(client)
            return len(items) == 1 and items[0]["ports"] == [] and addresses(items) == ["10.244.0.10"]

        await eventually(endpoint_without_port, timeout=30)


async def test_a_selector_matching_nothing_keeps_one_empty_slice(client: RestClient) -> None:
    await client.create(SERVICE, {"metadata": {"name": "web"}, "spec": {
        "selector": {"app": "nothing"}, "ports": [{"port": 80}]}}, "default")
    async with slice_controller(client):
        async def placeholder() -> list[dict] | None:
            items = await slices(client)
            return items or None

        (only,) = await eventually(placeholder, timeout=30)
        assert only.get("endpoints") in (None, []) and only["addressType"] == "IPv4"
