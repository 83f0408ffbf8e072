"""`kube up` calls a rollout finished exactly when kubectl rollout status would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kube.local.rollout_progress import rollout_state


def deployment(wanted: int = 3, generation: int = 1, **status: int) -> dict:
    return {"metadata": {"name": "web", "generation": generation}, "spec": {"replicas": wanted},
            "status": status}


def test_all_new_replicas_available_is_done() -> None:
    state = rollout_state(deployment(3, 2, observedGeneration=2, replicas=3, updatedReplicas=3,
                                     readyReplicas=3, availableReplicas=3))
    assert state.done
    assert state.line("web") == "web: 3/3 ready (rolled out)"


def test_old_replicas_still_running_is_not_done() -> None:
    state = rollout_state(deployment(3, 2, observedGeneration=2, replicas=4, updatedReplicas=3,
                                     readyReplicas=4, availableReplicas=4))
    assert not state.done


def test_a_spec_change_not_yet_observed_is_not_done() -> None:
    state = rollout_state(deployment(3, 3, observedGeneration=2, replicas=3, updatedReplicas=3,
                                     readyReplicas=3, availableReplicas=3))
    assert not state.done


def test_progress_line_counts_ready_and_updated() -> None:
    state = rollout_state(deployment(3, 1, observedGeneration=1, replicas=3, updatedReplicas=1, readyReplicas=2))
    assert state.line("web") == "web: 2/3 ready, 1 updated"


def test_missing_replicas_means_one_as_the_api_defaults() -> None:
    obj = {"metadata": {"generation": 1}, "spec": {}, "status": {"observedGeneration": 1, "replicas": 1,
                                                                  "updatedReplicas": 1, "availableReplicas": 1}}
    assert rollout_state(obj).desired == 1 and rollout_state(obj).done


counts = st.integers(min_value=0, max_value=20)


@given(replicas=counts, generation=st.integers(1, 5), observed=st.integers(0, 5), total=counts,
       updated=counts, available=counts)
def test_done_implies_every_wanted_replica_is_new_and_available(replicas: int, generation: int, observed: int,
                                                                total: int, updated: int, available: int) -> None:
    state = rollout_state(deployment(replicas, generation, observedGeneration=observed, replicas=total,
                                     updatedReplicas=updated, availableReplicas=available))
    if state.done:
        assert observed >= generation
        assert updated >= replicas and available >= updated and total <= updated
    assert state.line("x").startswith(f"x: {state.ready}/{replicas} ready")
