"""The REST client against the real API server: typed verbs, Status errors, paging, watch."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kube.api.registry import resolve
from kube.client.errors import ApiError
from kube.client.rest import TABLE_ACCEPT, RestClient

PODS = resolve("pods")
DEPLOYS = resolve("deployments")
NODES = resolve("nodes")


def pod(name: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1"}]}}


async def test_create_get_update_patch_delete(client: RestClient) -> None:
    created = await client.create(PODS, pod("p1", app="web"))
    assert created["metadata"]["namespace"] == "default"  # the kubeconfig context's namespace
    got = await client.get(PODS, "p1")
    assert got["metadata"]["uid"] == created["metadata"]["uid"]
    got["metadata"]["labels"]["tier"] = "front"
    updated = await client.update(PODS, got)
    assert updated["metadata"]["labels"] == {"app": "web", "tier": "front"}
    with pytest.raises(ApiError) as stale:
        await client.update(PODS, got)  # got's resourceVersion is now stale
    assert stale.value.code == 409 and stale.value.reason == "Conflict"
    patched = await client.patch(PODS, "p1", {"metadata": {"labels": {"tier": None}}})
    assert patched["metadata"]["labels"] == {"app": "web"}
    patched = await client.patch(PODS, "p1", [{"op": "add", "path": "/metadata/labels/x", "value": "y"}],
                                 patch_type="json")
    assert patched["metadata"]["labels"]["x"] == "y"
    await client.delete(PODS, "p1", grace_period_seconds=0)
    with pytest.raises(ApiError) as missing:
        await client.get(PODS, "p1")
    assert missing.value.code == 404 and 'pods "p1" not found' in missing.value.message


async def test_invalid_object_gives_422_with_message(client: RestClient) -> None:
    with pytest.raises(ApiError) as info:
        await client.create(PODS, {"metadata": {"name": "Bad_Name"}, "spec": {"containers": []}})
    assert info.value.code == 422 and info.value.reason == "Invalid" and "Bad_Name" in info.value.message


async def test_update_status_and_server_side_apply(client: RestClient) -> None:
    await client.create(PODS, pod("p2"))
    live = await client.get(PODS, "p2")
    live["status"] = {**live.get("status", {}), "phase": "Running"}
    assert (await client.update_status(PODS, live))["status"]["phase"] == "Running"
    applied = await client.patch(PODS, "p3", {"apiVersion": "v1", "kind": "Pod", **pod("p3", by="ssa")},
                                 patch_type="apply", field_manager="test")
    assert applied["metadata"]["labels"] == {"by": "ssa"}  # created when missing


async def test_list_selectors_and_auto_paging(client: RestClient) -> None:
    for i in range(7):
        await client.create(PODS, pod(f"p{i}", parity="even" if i % 2 == 0 else "odd"))
    page = await client.list(PODS, "default", limit=3)
    assert len(page["items"]) == 3 and page["metadata"].get("continue")
    everything = await client.list_all(PODS, "default", page_size=3)
    assert sorted(p["metadata"]["name"] for p in everything["items"]) == [f"p{i}" for i in range(7)]
    odd = await client.list_all(PODS, "default", label_selector="parity=odd")
    assert sorted(p["metadata"]["name"] for p in odd["items"]) == ["p1", "p3", "p5"]
    named = await client.list_all(PODS, None, field_selector="metadata.name=p4")
    assert [p["metadata"]["name"] for p in named["items"]] == ["p4"]
    table = await client.list_all(PODS, "default", page_size=3, accept=TABLE_ACCEPT)
    assert table["kind"] == "Table" and len(table["rows"]) == 7


async def test_watch_sees_changes_in_order_from_a_resource_version(client: RestClient) -> None:
    start = (await client.list(PODS, "default"))["metadata"]["resourceVersion"]
    seen: list[tuple[str, str]] = []

    async def consume() -> None:
        async with client.watch(PODS, "default", resource_version=start, timeout_seconds=30) as stream:
            async for event_type, obj in stream:
                if event_type != "BOOKMARK":
                    seen.append((event_type, obj["metadata"]["name"]))
                if len(seen) == 3:
                    return

    task = asyncio.ensure_future(consume())
    await client.create(PODS, pod("w1"))
    await client.patch(PODS, "w1", {"metadata": {"labels": {"a": "b"}}})
    await client.delete(PODS, "w1", grace_period_seconds=0)
    await asyncio.wait_for(task, 20)
    assert seen == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]


async def test_cluster_scoped_and_group_kinds(client: RestClient) -> None:
    node = await client.create(NODES, {"metadata": {"name": "n1", "labels": {"zone": "a"}}})
    assert "namespace" not in node["metadata"]
    deploy = await client.create(DEPLOYS, {
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    assert deploy["apiVersion"] == "apps/v1"
    scale = await client.patch(DEPLOYS, "web", {"spec": {"replicas": 3}}, subresource="scale")
    assert scale["spec"]["replicas"] == 3
