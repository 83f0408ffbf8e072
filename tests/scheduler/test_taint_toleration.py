"""TaintToleration and NodeUnschedulable: tainted or cordoned nodes are avoided unless tolerated."""

from __future__ import annotations

from tests.scheduler.objects import node, pod, schedule_all

GPU = {"key": "gpu", "value": "true", "effect": "NoSchedule"}


def test_tainted_node_is_avoided():
    s = schedule_all([node("tainted", taints=[GPU]), node("plain", cpu="1")], [pod("p")])
    assert s.binder.bound["default/p"] == "plain"


def test_tainted_node_is_used_when_tolerated():
    tol = [{"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]
    s = schedule_all([node("tainted", taints=[GPU])], [pod("p", tolerations=tol)])
    assert s.binder.bound["default/p"] == "tainted"


def test_exists_toleration_with_empty_key_tolerates_everything():
    taints = [GPU, {"key": "x", "effect": "NoExecute"}]
    s = schedule_all([node("t", taints=taints)], [pod("p", tolerations=[{"operator": "Exists"}])])
    assert s.binder.bound["default/p"] == "t"


def test_wrong_effect_does_not_tolerate_and_message_names_the_taint():
    tol = [{"key": "gpu", "operator": "Exists", "effect": "NoExecute"}]
    s = schedule_all([node("t", taints=[GPU])], [pod("p", tolerations=tol)])
    assert s.binder.bound == {}
    msg = s.events.for_pod("p")[0]["message"]
    assert msg == "0/1 nodes are available: 1 node(s) had untolerated taint {gpu: true}."


def test_prefer_no_schedule_lowers_the_score_only():
    soft = {"key": "spot", "value": "yes", "effect": "PreferNoSchedule"}
    s = schedule_all([node("soft", taints=[soft], cpu="8"), node("clean", cpu="4")], [pod("p")])
    assert s.binder.bound["default/p"] == "clean"
    only = schedule_all([node("soft", taints=[soft])], [pod("q")])
    assert only.binder.bound["default/q"] == "soft"


def test_cordoned_node_takes_no_pods_unless_tolerated():
    s = schedule_all([node("c", unschedulable=True)], [pod("p")])
    assert s.events.for_pod("p")[0]["message"] == "0/1 nodes are available: 1 node(s) were unschedulable."
    tol = [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}]
    ok = schedule_all([node("c", unschedulable=True)], [pod("p", tolerations=tol)])
    assert ok.binder.bound["default/p"] == "c"


def test_unknown_toleration_operator_is_a_clear_error():
    s = schedule_all([node("n")], [pod("p", tolerations=[{"key": "a", "operator": "Maybe"}])])
    assert 'spec.tolerations[0].operator: Unsupported value: "Maybe"' in s.events.for_pod("p")[0]["message"]
