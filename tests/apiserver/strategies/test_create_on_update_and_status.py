"""Events, Endpoints, Leases may be created by PUT; Events carry a lease; workloads start from a fresh status."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kube.api.registry import KINDS
from kube.apiserver.strategies import strategy_for
from kube.apiserver.strategies.event import EventStrategy
from kube.apiserver.strategies.workloads import (
    DeploymentStrategy,
    PodDisruptionBudgetStrategy,
    ReplicaSetStrategy,
)


def test_only_events_endpoints_and_leases_are_created_by_put() -> None:
    creatable = {k.kind for k in KINDS if strategy_for(k).allow_create_on_update}
    assert creatable == {"Event", "Endpoints", "Lease"}


def test_only_pods_services_and_namespaces_answer_a_delete_with_the_object() -> None:
    returning = {k.kind for k in KINDS if strategy_for(k).returns_deleted_object}
    assert returning == {"Pod", "Service", "Namespace"}


class Leases:
    def __init__(self) -> None:
        self.granted = 0

    async def lease(self) -> int:
        self.granted += 1
        return 42


async def test_an_event_is_written_under_the_event_lease() -> None:
    leases = Leases()
    assert await EventStrategy().lease(SimpleNamespace(event_leases=leases)) == 42  # type: ignore[arg-type]
    assert leases.granted == 1


async def test_other_kinds_take_no_lease() -> None:
    for kind in KINDS:
        if kind.kind != "Event":
            assert await strategy_for(kind).lease(SimpleNamespace()) == 0  # type: ignore[arg-type]


@pytest.mark.parametrize(("strategy", "expected"), [
    (DeploymentStrategy(), {}),
    (ReplicaSetStrategy(), {}),
    (PodDisruptionBudgetStrategy(), {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0,
                                     "expectedPods": 0}),
])
def test_a_workload_create_resets_its_status(strategy: object, expected: dict[str, int]) -> None:
    obj = {"metadata": {"name": "w"}, "spec": {}, "status": {"replicas": 9, "disruptionsAllowed": 5}}
    strategy.prepare_create(obj)  # type: ignore[attr-defined]
    assert obj["status"] == expected
    obj["status"]["mutated"] = 1
    again = {"metadata": {"name": "x"}}
    strategy.prepare_create(again)  # type: ignore[attr-defined]
    assert again["status"] == expected, "the initial status must be a fresh copy per create"
