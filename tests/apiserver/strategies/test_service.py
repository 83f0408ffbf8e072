"""The service strategy: allocations claimed before a create or update, released on undo and after delete."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from kube.apiserver.strategies.service import ServiceStrategy

SVC = ServiceStrategy()


class RecordingAllocators:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def allocate(self, service: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("allocate", service["metadata"]["name"]))
        return {**service, "spec": {**service["spec"], "clusterIP": "10.96.0.10"}}

    async def update(self, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("update", new["metadata"]["name"]))
        return {**new, "spec": {**new["spec"], "clusterIP": old["spec"]["clusterIP"]}}

    async def release(self, service: dict[str, Any]) -> None:
        self.calls.append(("release", service["metadata"]["name"]))


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
            "spec": {"ports": [{"port": 80}], **spec}}


async def test_create_claims_and_undo_releases() -> None:
    allocators = RecordingAllocators()
    state = SimpleNamespace(allocators=allocators)
    claimed = await SVC.before_create(state, service())  # type: ignore[arg-type]
    assert claimed["spec"]["clusterIP"] == "10.96.0.10"
    await SVC.undo_create(state, claimed)  # type: ignore[arg-type]
    assert allocators.calls == [("allocate", "web"), ("release", "web")]


async def test_update_carries_allocations_and_delete_releases() -> None:
    allocators = RecordingAllocators()
    state = SimpleNamespace(allocators=allocators)
    new = await SVC.before_update(state, service(clusterIP="10.96.0.7"), service())  # type: ignore[arg-type]
    assert new["spec"]["clusterIP"] == "10.96.0.7"
    await SVC.after_delete(state, new)  # type: ignore[arg-type]
    assert allocators.calls == [("update", "web"), ("release", "web")]


def test_create_resets_the_load_balancer_status() -> None:
    obj = service()
    obj["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}
    SVC.prepare_create(obj)
    assert obj["status"] == {"loadBalancer": {}}
    assert SVC.returns_deleted_object and SVC.deletion_grace(obj, 30) == 0
