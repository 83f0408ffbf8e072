"""NodeSelector, NodeAffinity (required/preferred, every operator) and NodeName."""

from __future__ import annotations

import pytest

from tests.scheduler.objects import node, pod, schedule_all

NODES = [
    node("a", labels={"disk": "ssd", "rank": "3"}),
    node("b", labels={"disk": "hdd", "rank": "10"}),
    node("c", labels={"rank": "x"}),
]


def required(*exprs: dict) -> dict:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": list(exprs)}]}}}


def feasible(p: dict) -> set[str]:
    """Nodes a pod can land on: schedule it against each node alone."""
    out = set()
    for n in NODES:
        s = schedule_all([n], [p])
        out |= set(s.binder.bound.values())
    return out


@pytest.mark.parametrize(("expr", "expected"), [
    ({"key": "disk", "operator": "In", "values": ["ssd", "nvme"]}, {"a"}),
    ({"key": "disk", "operator": "NotIn", "values": ["ssd"]}, {"b", "c"}),
    ({"key": "disk", "operator": "Exists"}, {"a", "b"}),
    ({"key": "disk", "operator": "DoesNotExist"}, {"c"}),
    ({"key": "rank", "operator": "Gt", "values": ["4"]}, {"b"}),
    ({"key": "rank", "operator": "Lt", "values": ["4"]}, {"a"}),
    ({"key": "nope", "operator": "In", "values": ["x"]}, set()),
])
def test_operators(expr, expected):
    assert feasible(pod("p", affinity=required(expr))) == expected


def test_terms_are_ored_and_expressions_anded():
    aff = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]},
                              {"key": "rank", "operator": "In", "values": ["10"]}]},
        {"matchExpressions": [{"key": "rank", "operator": "In", "values": ["x"]}]}]}}}
    assert feasible(pod("p", affinity=aff)) == {"c"}


def test_node_selector_and_affinity_must_both_match():
    p = pod("p", nodeSelector={"disk": "ssd"}, affinity=required({"key": "rank", "operator": "Exists"}))
    assert feasible(p) == {"a"}
    q = pod("q", nodeSelector={"disk": "hdd"}, affinity=required({"key": "rank", "operator": "Lt", "values": ["4"]}))
    assert feasible(q) == set()


def test_match_fields_on_node_name():
    aff = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["b"]}]}]}}}
    s = schedule_all(NODES, [pod("p", affinity=aff)])
    assert s.binder.bound["default/p"] == "b"


def test_mismatch_message():
    s = schedule_all(NODES, [pod("p", nodeSelector={"disk": "tape"})])
    assert s.events.for_pod("p")[0]["message"] == (
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.")


def test_preferred_terms_pick_the_heavier_match():
    aff = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["hdd"]}]}},
        {"weight": 1, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}},
    ]}}
    s = schedule_all(NODES, [pod("p", affinity=aff)])
    assert s.binder.bound["default/p"] == "b"


def test_bad_operator_is_a_clear_error():
    s = schedule_all(NODES, [pod("p", affinity=required({"key": "disk", "operator": "Near", "values": ["x"]}))])
    msg = s.events.for_pod("p")[0]["message"]
    assert "nodeSelectorTerms[0].matchExpressions[0].operator: Unsupported value: \"Near\"" in msg
