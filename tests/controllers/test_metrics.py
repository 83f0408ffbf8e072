"""The controller manager's /metrics as Prometheus reads it: its counts and its work queues on the
registry it is given, or a private one; a manager built again (a new leader term) takes the
registry over instead of clashing."""

from __future__ import annotations

import asyncio
import contextlib

from prometheus_client import CollectorRegistry

from kube.client.rest import RestClient
from kube.controllers.actions import POD, REPLICASET
from kube.controllers.manager import ControllerManager
from tests.apiserver.conftest import eventually
from tests.controllers.workloads import replica_set
from tests.metric_samples import sample, scrape


async def test_syncs_actions_and_queues_parse_with_their_names(client: RestClient) -> None:
    registry = CollectorRegistry()
    manager = ControllerManager(client, ["replicaset"], registry=registry)
    task = asyncio.get_running_loop().create_task(manager.run())
    try:
        await asyncio.wait_for(manager.synced.wait(), 20)
        await client.create(REPLICASET, replica_set("web", 2), "default")

        async def two_pods() -> bool:
            return len((await client.list(POD, "default"))["items"]) == 2

        await eventually(two_pods, timeout=20)

        async def counted() -> bool:
            return sample(registry, "controller_api_actions_total", action="CreatePod") == 2

        await eventually(counted, timeout=10)
        families = scrape(registry)
        for name in ("controller_syncs", "controller_sync_errors", "controller_api_actions",
                     "controller_api_action_failures", "workqueue_adds", "workqueue_retries"):
            assert families[name].type == "counter", name
        assert families["workqueue_depth"].type == "gauge"
        assert sample(registry, "controller_syncs_total", controller="replicaset") >= 1
        # a status write may lose a race (409): that sync fails and the queue retries it with back-off
        errors = sample(registry, "controller_sync_errors_total", controller="replicaset")
        assert errors is not None and sample(registry, "workqueue_retries_total", name="replicaset") == errors
        assert sample(registry, "controller_api_action_failures_total") is not None
        assert sample(registry, "workqueue_adds_total", name="replicaset") >= 1
        assert sample(registry, "workqueue_depth", name="replicaset") is not None
        assert sample(registry, "controller_syncs_total", controller="deployment") is None  # not running
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_a_new_manager_on_the_same_registry_replaces_the_old(client: RestClient) -> None:
    registry = CollectorRegistry()
    first = ControllerManager(client, ["replicaset"], registry=registry)
    first.controllers[0].syncs = 5
    assert sample(registry, "controller_syncs_total", controller="replicaset") == 5
    second = ControllerManager(client, ["replicaset", "endpoints"], registry=registry)  # no "duplicated" error
    second.controllers[0].queue.add("default/web")
    assert sample(registry, "controller_syncs_total", controller="replicaset") == 0
    assert sample(registry, "controller_syncs_total", controller="endpoints") == 0
    assert sample(registry, "workqueue_depth", name="replicaset") == 1  # the new term's queue


def test_without_a_registry_each_manager_has_its_own(client: RestClient) -> None:
    a, b = ControllerManager(client, ["replicaset"]), ControllerManager(client, ["replicaset"])
    a.controllers[0].syncs = 3
    assert a.registry is not b.registry
    assert sample(a.registry, "controller_syncs_total", controller="replicaset") == 3
    assert sample(b.registry, "controller_syncs_total", controller="replicaset") == 0
