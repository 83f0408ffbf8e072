"""EndpointSlice mirroring: a selector-less Service's Endpoints (by hand, or the API server's
own `kubernetes` Endpoints) become slices the proxy can read; not for Services with a
selector, skip-mirror Endpoints, or Endpoints without a Service."""

from __future__ import annotations

import asyncio
import contextlib

from kube.client.rest import RestClient
from kube.controllers.actions import ENDPOINTS, SERVICE, Create, Delete
from kube.controllers.context import ControllerOptions
from kube.controllers.endpointslice.mirroring import MIRROR_NAME, reconcile_mirror
from kube.controllers.endpointslice.reconcile import ENDPOINTSLICE
from kube.controllers.manager import ControllerManager
from tests.apiserver.conftest import eventually
from tests.controllers.endpointslice.sim import apply


def service(selector: dict | None = None) -> dict:
    return {"metadata": {"name": "db", "namespace": "default", "uid": "s1"},
            "spec": {"ports": [{"name": "pg", "port": 5432}], **({"selector": selector} if selector else {})}}


def endpoints(ready: list[str], not_ready: list[str] = (), **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "db", "namespace": "default", "uid": "e1", "labels": {"team": "a", **labels}},
            "subsets": [{"addresses": [{"ip": ip} for ip in ready],
                         "notReadyAddresses": [{"ip": ip} for ip in not_ready],
                         "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}]}]}


def test_mirrors_addresses_with_readiness_labels_and_owner() -> None:
    actions = reconcile_mirror(service(), endpoints(["10.1.0.1", "fd00::1"], ["10.1.0.2"]), [])
    assert all(isinstance(a, Create) for a in actions) and len(actions) == 2  # one slice per address type
    slices = apply({}, actions)
    v4 = next(s for s in slices.values() if s["addressType"] == "IPv4")
    assert [(e["addresses"][0], e["conditions"]["ready"]) for e in v4["endpoints"]] == [
        ("10.1.0.1", True), ("10.1.0.2", False)]
    assert v4["ports"] == [{"name": "pg", "port": 5432, "protocol": "TCP"}]
    assert v4["metadata"]["labels"] == {"team": "a", "kubernetes.io/service-name": "db",
                                        "endpointslice.kubernetes.io/managed-by": MIRROR_NAME}
    assert v4["metadata"]["ownerReferences"][0]["kind"] == "Endpoints"
    assert reconcile_mirror(service(), endpoints(["10.1.0.1", "fd00::1"], ["10.1.0.2"]), list(slices.values())) == []


def test_not_mirrored_and_removed_when_not_wanted() -> None:
    slices = list(apply({}, reconcile_mirror(service(), endpoints(["10.1.0.1"]), [])).values())
    for svc, eps in ((service({"app": "db"}), endpoints(["10.1.0.1"])), (None, endpoints(["10.1.0.1"])),
                     (service(), endpoints(["10.1.0.1"], **{"endpointslice.kubernetes.io/skip-mirror": "true"})),
                     (service(), None), (service(), endpoints([]))):
        assert [type(a) for a in reconcile_mirror(svc, eps, slices)] == [Delete]
        assert reconcile_mirror(svc, eps, []) == []


async def test_the_kubernetes_service_and_a_manual_one_get_slices(client: RestClient) -> None:
    manager = ControllerManager(client, ["endpointslicemirroring"], ControllerOptions())
    task = asyncio.get_running_loop().create_task(manager.run())
    try:
        await asyncio.wait_for(manager.synced.wait(), 30)
        await client.create(SERVICE, {"metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432}]}}, "default")
        await client.create(ENDPOINTS, {"metadata": {"name": "db"}, "subsets": [
            {"addresses": [{"ip": "10.1.0.1"}], "ports": [{"port": 5432}]}]}, "default")

        async def mirrored(name: str) -> list[dict] | None:
            items = (await client.list(ENDPOINTSLICE, "default",
                                       label_selector=f"kubernetes.io/service-name={name}"))["items"]
            return items or None

        (db,) = await eventually(lambda: mirrored("db"), timeout=30)
        assert db["endpoints"][0]["addresses"] == ["10.1.0.1"]
        (api,) = await eventually(lambda: mirrored("kubernetes"), timeout=30)
        assert api["ports"][0]["name"] == "https" and api["endpoints"][0]["conditions"]["ready"] is True

        await client.delete(ENDPOINTS, "db", "default")

        async def gone() -> bool:
            return await mirrored("db") is None

        await eventually(gone, timeout=30)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
