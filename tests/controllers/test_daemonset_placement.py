"""Where a daemon pod belongs: nodeSelector and required node affinity (terms ORed, requirements
ANDed, every operator), taints against the default tolerations, and the pod's pinned affinity."""

from __future__ import annotations

from typing import Any

import pytest

from kube.controllers.daemonset.placement import (
    daemon_pod_spec,
    fits_affinity,
    pin_to_node,
    should_run,
    target_node,
    with_default_tolerations,
)

NODE = {"metadata": {"name": "n1", "labels": {"zone": "a", "cores": "8", "gpu": "yes"}}, "spec": {}}


def required(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": list(terms)}}}}


def expr(key: str, op: str, *values: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": key, "operator": op, "values": list(values)}]}


@pytest.mark.parametrize(("spec", "fits"), [
    ({}, True),
    ({"nodeSelector": {"zone": "a"}}, True),
    ({"nodeSelector": {"zone": "b"}}, False),
    (required(expr("zone", "In", "a", "b")), True),
    (required(expr("zone", "NotIn", "a")), False),
    (required(expr("missing", "NotIn", "a")), True),
    (required(expr("gpu", "Exists")), True),
    (required(expr("gpu", "DoesNotExist")), False),
    (required(expr("cores", "Gt", "4")), True),
    (required(expr("cores", "Lt", "4")), False),
    (required(expr("zone", "Gt", "4")), False),  # not a number
    (required(expr("zone", "In", "b"), expr("gpu", "Exists")), True),  # terms are ORed
    (required({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]},
                                    {"key": "gpu", "operator": "DoesNotExist"}]}), False),  # ANDed
    (required({}), False),  # an empty term matches nothing
    (required({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}), True),
    (required({"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["n1"]}]}), False),
    (required({"matchFields": [{"key": "spec.other", "operator": "In", "values": ["n1"]}]}), False),
])
def test_node_affinity_and_selector(spec: dict[str, Any], fits: bool) -> None:
    assert fits_affinity(spec, NODE) is fits


@pytest.mark.parametrize(("taint", "verdict"), [
    ({"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}, (True, True)),
    ({"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}, (True, True)),
    ({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}, (True, True)),
    ({"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"}, (True, True)),
    ({"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}, (False, True)),
    ({"key": "dedicated", "value": "db", "effect": "NoSchedule"}, (False, True)),
    ({"key": "dedicated", "value": "db", "effect": "NoExecute"}, (False, False)),
    ({"key": "dedicated", "value": "db", "effect": "PreferNoSchedule"}, (True, True)),
])
def test_taints_against_the_default_tolerations(taint: dict[str, Any], verdict: tuple[bool, bool]) -> None:
    spec = daemon_pod_spec({"spec": {"containers": [{"name": "c"}]}})
    assert should_run(spec, {**NODE, "spec": {"taints": [taint]}}) == verdict


def test_host_network_pods_also_tolerate_network_unavailable_and_user_tolerations_stay() -> None:
    mine = {"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoExecute"}
    spec = daemon_pod_spec({"spec": {"hostNetwork": True, "tolerations": [mine]}})
    assert spec["tolerations"][0] == mine
    assert {"key": "node.kubernetes.io/network-unavailable", "operator": "Exists",
            "effect": "NoSchedule"} in spec["tolerations"]
    assert should_run(spec, {**NODE, "spec": {"taints": [{"key": "dedicated", "value": "db",
                                                          "effect": "NoExecute"}]}}) == (True, True)
    assert len(with_default_tolerations(spec)) == len(spec["tolerations"])  # idempotent


def test_a_template_node_name_elsewhere_never_runs_here() -> None:
    assert should_run({"nodeName": "n2"}, NODE) == (False, False)


def test_pinning_replaces_the_required_terms_keeps_the_rest_and_names_the_target() -> None:
    spec = required(expr("zone", "In", "a"))
    spec["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = [{"weight": 1}]
    spec["affinity"]["podAntiAffinity"] = {"x": 1}
    pin_to_node(spec, "n1")
    node_affinity = spec["affinity"]["nodeAffinity"]
    assert node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] == {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}
    assert node_affinity["preferredDuringSchedulingIgnoredDuringExecution"] == [{"weight": 1}]
    assert spec["affinity"]["podAntiAffinity"] == {"x": 1}
    assert target_node({"spec": spec}) == "n1"
    assert target_node({"spec": {**spec, "nodeName": "bound"}}) == "bound"
    assert target_node({"spec": {}}) is None
