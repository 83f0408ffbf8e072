"""The DaemonSet controller dying and coming back: all it knows is in the API (pods point at
their node through affinity, revisions hold the history), so a new controller-manager creates
no second pod for a node, replaces what went while it was down, and picks up a node that joined;
a cascading delete takes the pods and the ControllerRevisions with the DaemonSet."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from kube.client.rest import RestClient
from kube.controllers.actions import NODE, POD
from kube.controllers.daemonset.history import CONTROLLER_REVISION
from kube.controllers.daemonset.placement import target_node
from kube.controllers.daemonset.reconcile import DAEMONSET
from kube.controllers.events import EVENT
from kube.controllers.manager import ControllerManager
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import FAST


@contextlib.asynccontextmanager
async def manager(client: RestClient) -> AsyncIterator[ControllerManager]:
    m = ControllerManager(client, ["daemonset", "garbagecollector"], FAST)
    task = asyncio.get_running_loop().create_task(m.run())
    await asyncio.wait_for(m.synced.wait(), 20)
    try:
        yield m
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def node(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}


DS = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
      "spec": {"selector": {"matchLabels": {"app": "agent"}},
               "template": {"metadata": {"labels": {"app": "agent"}},
                            "spec": {"containers": [{"name": "c", "image": "img:1"}]}}}}


async def targets(client: RestClient) -> list[str]:
    pods = (await client.list(POD, "default", label_selector="app=agent"))["items"]
    return sorted(target_node(p) or "" for p in pods if not p["metadata"].get("deletionTimestamp"))


async def test_a_restarted_controller_neither_duplicates_nor_forgets(client: RestClient) -> None:
    for name in ("a", "b", "c"):
        await client.create(NODE, node(name))
    await client.create(DAEMONSET, DS, "default")
    async with manager(client):
        await eventually(lambda: _equals(targets(client), ["a", "b", "c"]), timeout=30)
    first = {p["metadata"]["name"] for p in (await client.list(POD, "default"))["items"]}
    # while no controller runs: a pod is deleted and a node joins
    gone = sorted(first)[0]
    await client.delete(POD, gone, "default", grace_period_seconds=0)
    await client.create(NODE, node("d"))
    async with manager(client):
        await eventually(lambda: _equals(targets(client), ["a", "b", "c", "d"]), timeout=30)
        await asyncio.sleep(1.0)  # time enough for a wrong second creation to show
        assert await targets(client) == ["a", "b", "c", "d"]
        now = {p["metadata"]["name"] for p in (await client.list(POD, "default"))["items"]}
        assert first - {gone} <= now  # the pods that stayed were kept, not recreated
        assert len((await client.list(CONTROLLER_REVISION, "default"))["items"]) == 1
        # a pod the node reports failed is deleted (a Warning says so) and its node gets a new one
        failed = next(p for p in (await client.list(POD, "default"))["items"] if target_node(p) == "a")
        failed["status"] = {"phase": "Failed"}
        await client.update_status(POD, failed, "default")

        async def replaced() -> bool:
            names = {p["metadata"]["name"] for p in (await client.list(POD, "default"))["items"]}
            return failed["metadata"]["name"] not in names and await targets(client) == ["a", "b", "c", "d"]

        await eventually(replaced, timeout=30, interval=0.2)

        async def warned() -> bool:
            events = (await client.list(EVENT, "default"))["items"]
            return any(e["reason"] == "FailedDaemonPod" and e["type"] == "Warning" for e in events)

        await eventually(warned, timeout=30, interval=0.2)
        await client.delete(DAEMONSET, "agent", "default", propagation_policy="Background")

        async def all_gone() -> bool:
            return not (await client.list(POD, "default"))["items"] and not (
                await client.list(CONTROLLER_REVISION, "default"))["items"]

        await eventually(all_gone, timeout=30, interval=0.2)


async def _equals(value: Any, expected: Any) -> bool:
    return await value == expected
