"""Eviction decisions and PodDisruptionBudget status, as Kubernetes' eviction API decides them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.age import parse_timestamp
from kube.apiserver.subresources.eviction import REFUSED_MESSAGE, check_eviction, pdb_status

NOW = parse_timestamp("2024-01-01T00:10:00Z") or 0.0


def pod(name: str, ready: bool = True, phase: str = "Running", ns: str = "default", app: str = "web",
        terminating: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": {"app": app}}
    if terminating:
        meta["deletionTimestamp"] = "2024-01-01T00:09:00Z"
    return {"metadata": meta, "status": {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False"}]}}


def pdb(name: str = "budget", ns: str = "default", selector: dict[str, Any] | None = None,
        **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns, "generation": 3},
            "spec": {"selector": selector if selector is not None else {"matchLabels": {"app": "web"}}, **spec}}


PODS = [pod(f"p{i}") for i in range(4)]


@pytest.mark.parametrize(("spec", "desired", "allowed"), [
    ({"minAvailable": 3}, 3, 1),
    ({"minAvailable": 4}, 4, 0),
    ({"minAvailable": "50%"}, 2, 2),
    ({"minAvailable": "51%"}, 3, 1),  # rounded up
    ({"maxUnavailable": 1}, 3, 1),
    ({"maxUnavailable": "30%"}, 2, 2),  # ceil(1.2) = 2 unavailable
    ({"maxUnavailable": 0}, 4, 0),
    ({"maxUnavailable": 9}, 0, 4),
    ({}, 0, 4),
])
def test_pdb_status_counts(spec: dict[str, Any], desired: int, allowed: int) -> None:
    status = pdb_status(pdb(**spec), PODS, NOW)
    assert (status["expectedPods"], status["currentHealthy"]) == (4, 4)
    assert (status["desiredHealthy"], status["disruptionsAllowed"]) == (desired, allowed)
    assert status["observedGeneration"] == 3
    cond = status["conditions"][0]
    assert cond["type"] == "DisruptionAllowed" and cond["status"] == ("True" if allowed else "False")


def test_healthy_excludes_unready_terminating_other_namespaces_and_recently_disrupted() -> None:
    pods = [pod("a"), pod("b", ready=False), pod("c", terminating=True), pod("d", ns="other"), pod("e", app="db"),
            pod("f"), pod("g")]
    budget = pdb(minAvailable=1)
    budget["status"] = {"disruptedPods": {"f": "2024-01-01T00:09:30Z", "g": "2024-01-01T00:01:00Z",
                                          "gone": "2024-01-01T00:09:59Z"}}
    status = pdb_status(budget, pods, NOW)
    assert status["expectedPods"] == 5  # a b c f g
    assert status["currentHealthy"] == 2  # a, g (its record expired); f was just evicted
    assert status["disruptedPods"] == {"f": "2024-01-01T00:09:30Z"}


def test_allowed_eviction_returns_the_status_to_write() -> None:
    decision = check_eviction(PODS[0], [pdb(minAvailable=3)], PODS, NOW)
    assert decision.allowed and decision.pdb is not None and decision.code == 201
    assert decision.new_status is not None
    assert decision.new_status["disruptionsAllowed"] == 0
    assert decision.new_status["disruptedPods"] == {"p0": "2024-01-01T00:10:00Z"}
    # once written, the next eviction is refused even though p0 still exists
    written = pdb(minAvailable=3)
    written["status"] = decision.new_status
    refused = check_eviction(PODS[1], [written], PODS, NOW)
    assert not refused.allowed and refused.code == 429 and refused.message == REFUSED_MESSAGE
    assert refused.cause == "The disruption budget budget needs 3 healthy pods and has 3 currently"
    err = refused.error()
    assert (err.code, err.reason) == (429, "TooManyRequests")
    assert err.details["causes"][0]["reason"] == "DisruptionBudget"


def test_refused_when_budget_would_break() -> None:
    decision = check_eviction(PODS[0], [pdb(maxUnavailable=0)], PODS, NOW)
    assert not decision.allowed and decision.pdb is not None and decision.new_status is None


@pytest.mark.parametrize("victim", [pod("x", phase="Pending"), pod("x", phase="Succeeded"),
                                    pod("x", phase="Failed"), pod("x", terminating=True)])
def test_pods_that_are_not_running_ignore_budgets(victim: dict[str, Any]) -> None:
    decision = check_eviction(victim, [pdb(maxUnavailable=0)], [*PODS, victim], NOW)
    assert decision.allowed and decision.pdb is None


def test_unready_pod_policy() -> None:
    sick = pod("sick", ready=False)
    pods = [*PODS, sick]
    assert check_eviction(sick, [pdb(minAvailable=4)], pods, NOW).allowed  # budget met: 4 healthy
    assert not check_eviction(sick, [pdb(minAvailable=5)], pods, NOW).allowed
    assert check_eviction(sick, [pdb(minAvailable=5, unhealthyPodEvictionPolicy="AlwaysAllow")], pods, NOW).allowed


def test_no_or_several_budgets() -> None:
    assert check_eviction(PODS[0], [pdb(selector={"matchLabels": {"app": "db"}})], PODS, NOW).pdb is None
    assert check_eviction(PODS[0], [pdb(ns="other", maxUnavailable=0)], PODS, NOW).allowed
    several = check_eviction(PODS[0], [pdb("a", maxUnavailable=1), pdb("b", selector={})], PODS, NOW)
    assert not several.allowed and several.code == 500 and "more than one PodDisruptionBudget" in several.message
    assert "a, b" in several.message and several.error().code == 500


def test_selector_edge_cases() -> None:
    no_selector = pdb(maxUnavailable=0)
    no_selector["spec"].pop("selector")
    assert check_eviction(PODS[0], [no_selector], PODS, NOW).pdb is None  # absent selects nothing
    assert check_eviction(PODS[0], [pdb(selector={}, maxUnavailable=0)], PODS, NOW).allowed is False  # {} selects all
    broken = pdb(selector={"matchExpressions": [{"key": "app", "operator": "Near"}]}, maxUnavailable=0)
    assert check_eviction(PODS[0], [broken], PODS, NOW).allowed
    bad_value = pdb(minAvailable="lots")
    status = pdb_status(bad_value, PODS, NOW)
    assert status["disruptionsAllowed"] == 0 and status["conditions"][0]["reason"] == "SyncFailed"


@given(st.integers(0, 12), st.integers(0, 12), st.one_of(
    st.integers(0, 15).map(lambda n: {"minAvailable": n}), st.integers(0, 15).map(lambda n: {"maxUnavailable": n}),
    st.integers(0, 100).map(lambda n: {"minAvailable": f"{n}%"}),
    st.integers(0, 100).map(lambda n: {"maxUnavailable": f"{n}%"})))
def test_evicting_one_at_a_time_never_breaks_the_budget(ready: int, unready: int, spec: dict[str, Any]) -> None:
    """Evict repeatedly, writing back each decision's status: healthy never drops below desired."""
    pods = [pod(f"r{i}") for i in range(ready)] + [pod(f"u{i}", ready=False) for i in range(unready)]
    budget = pdb(**spec)
    for victim in list(pods):
        decision = check_eviction(victim, [budget], pods, NOW)
        if not decision.allowed:
            continue
        before = pdb_status(budget, pods, NOW)
        budget = dict(budget, status=decision.new_status)
        pods = [p for p in pods if p is not victim]
        after = pdb_status(budget, pods, NOW)
        if victim["status"]["conditions"][0]["status"] == "True":
            assert after["currentHealthy"] >= before["desiredHealthy"]
            assert before["disruptionsAllowed"] >= 1
