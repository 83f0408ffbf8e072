"""The pod strategy: Pending with a QoS class on create, graceful deletion only for a pod a node runs."""

from __future__ import annotations

from typing import Any

import pytest

from kube.apiserver.strategies.pod import DEFAULT_GRACE_SECONDS, PodStrategy, pod_qos_class

POD = PodStrategy()


def container(requests: dict[str, str] | None = None, limits: dict[str, str] | None = None) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    if requests is not None:
        resources["requests"] = requests
    if limits is not None:
        resources["limits"] = limits
    return {"name": "c", "image": "i", "resources": resources}


@pytest.mark.parametrize(("containers", "expected"), [
    ([container()], "BestEffort"),
    ([container({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"})], "Guaranteed"),
    ([container(limits={"cpu": "1", "memory": "1Gi"})], "Guaranteed"),  # requests default to limits
    ([container({"cpu": "500m"}, {"cpu": "1", "memory": "1Gi"})], "Burstable"),
    ([container({"cpu": "1"})], "Burstable"),
    ([container({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}), container()], "Burstable"),
])
def test_qos_class(containers: list[dict[str, Any]], expected: str) -> None:
    assert pod_qos_class({"containers": containers}) == expected


def test_qos_class_of_a_malformed_spec_is_best_effort() -> None:
    assert pod_qos_class(None) == "BestEffort"
    assert pod_qos_class({"containers": "nope"}) == "BestEffort"


def test_create_resets_the_status_the_node_agent_owns() -> None:
    obj = {"metadata": {"name": "p"}, "spec": {"containers": [container()]}, "status": {"phase": "Running"}}
    POD.prepare_create(obj)
    assert obj["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def pod(node: str = "", phase: str = "Running", grace: Any = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [container()]}
    if node:
        spec["nodeName"] = node
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"metadata": {"name": "p"}, "spec": spec, "status": {"phase": phase}}


def test_an_unbound_or_finished_pod_goes_at_once() -> None:
    assert POD.deletion_grace(pod(), 30) == 0
    assert POD.deletion_grace(pod("n1", "Succeeded"), 30) == 0
    assert POD.deletion_grace(pod("n1", "Failed"), None) == 0


def test_a_running_pod_waits_for_the_requested_or_its_own_grace() -> None:
    assert POD.deletion_grace(pod("n1"), 5) == 5
    assert POD.deletion_grace(pod("n1"), 0) == 0  # the node agent's final delete
    assert POD.deletion_grace(pod("n1", grace=7), None) == 7
    assert POD.deletion_grace(pod("n1"), None) == DEFAULT_GRACE_SECONDS
    assert POD.deletion_grace(pod("n1", grace=-1), None) == DEFAULT_GRACE_SECONDS
    assert POD.deletion_grace(pod("n1", grace="10"), None) == DEFAULT_GRACE_SECONDS


def test_a_deleted_pod_is_answered_with_the_object() -> None:
    assert POD.returns_deleted_object and not POD.allow_create_on_update
