"""NodeResourcesFit: requests vs allocatable, init containers, overhead, scoring strategies."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.scheduler.config import Profile
from kube.scheduler.resources import pod_requests
from tests.metric_samples import sample
from tests.scheduler.objects import node, pod, schedule_all


def test_pod_goes_to_the_node_with_room():
    s = schedule_all([node("small", cpu="1"), node("big", cpu="8")], [pod("p", cpu="2")])
    assert s.binder.bound == {"default/p": "big"}


def test_insufficient_cpu_message_counts_nodes():
    s = schedule_all([node(f"n{i}", cpu="1") for i in range(3)], [pod("p", cpu="2")])
    assert s.binder.bound == {}
    [ev] = s.events.for_pod("p")
    assert ev["reason"] == "FailedScheduling"
    assert ev["message"] == "0/3 nodes are available: 3 Insufficient cpu."


def test_several_missing_resources_are_each_counted_and_sorted():
    nodes = [node("a", cpu="1", memory="1Gi"), node("b", cpu="8", memory="1Gi"), node("c", pods=0)]
    s = schedule_all(nodes, [pod("p", cpu="2", memory="2Gi")])
    [ev] = s.events.for_pod("p")
    assert ev["message"] == "0/3 nodes are available: 1 Insufficient cpu, 1 Too many pods, 2 Insufficient memory."


def test_pod_count_limit():
    s = schedule_all([node("n", pods=2)], [pod(f"p{i}") for i in range(3)])
    assert len(s.binder.bound) == 2
    assert "1 Too many pods" in s.events.for_pod("p2")[0]["message"]


def test_init_containers_count_as_kubernetes_does():
    spec = {"containers": [{"name": "a", "resources": {"requests": {"cpu": "200m"}}},
                           {"name": "b", "resources": {"requests": {"cpu": "300m"}}}],
            "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}],
            "overhead": {"cpu": "50m"}}
    r = pod_requests(spec)
    assert (r.cpu, r.memory) == (1050, 1024**3)  # max(init 1000, sum 500) + 50 overhead


def test_sidecar_init_containers_add_to_the_app_containers():
    spec = {"containers": [{"name": "a", "resources": {"requests": {"cpu": "500m"}}}],
            "initContainers": [{"name": "s", "restartPolicy": "Always", "resources": {"requests": {"cpu": "200m"}}},
                               {"name": "i", "resources": {"requests": {"cpu": "600m"}}}]}
    assert pod_requests(spec).cpu == 800  # max(200 + 600, 200 + 500)


def test_empty_requests_score_with_non_zero_defaults():
    r = pod_requests({"containers": [{"name": "a"}]})
    assert (r.cpu, r.memory, r.nz_cpu, r.nz_memory) == (0, 0, 100, 200 * 1024 * 1024)


def test_bad_quantity_is_a_clear_failed_scheduling_not_a_traceback():
    s = schedule_all([node("n")], [pod("p", cpu="lots")])
    [ev] = s.events.for_pod("p")
    assert "spec.containers[0].resources.requests.cpu" in ev["message"]
    assert sample(s.registry, "scheduler_schedule_attempts_total", result="error", profile="default-scheduler") == 1


def test_least_allocated_spreads_and_most_allocated_packs():
    nodes = [node("a"), node("b")]
    least = schedule_all(nodes, [pod(f"p{i}", cpu="1") for i in range(2)])
    assert sorted(least.binder.bound.values()) == ["a", "b"]
    most = Profile(args={"NodeResourcesFit": {"scoringStrategy": {"type": "MostAllocated"}}},
                   weights={"NodeResourcesBalancedAllocation": 0})
    packed = schedule_all(nodes, [pod(f"p{i}", cpu="1") for i in range(2)], profiles=[most])
    assert len(set(packed.binder.bound.values())) == 1


@settings(max_examples=40, deadline=None)
@given(caps=st.lists(st.integers(1, 8), min_size=1, max_size=6),
       reqs=st.lists(st.integers(1, 3000), min_size=1, max_size=40),
       engine=st.sampled_from(["cython", "python"]))
def test_resources_are_never_overcommitted(caps, reqs, engine):
    nodes = [node(f"n{i}", cpu=str(c), pods=5) for i, c in enumerate(caps)]
    s = schedule_all(nodes, [pod(f"p{i}", cpu=f"{r}m") for i, r in enumerate(reqs)], engine=engine)
    used: dict[str, int] = {}
    count: dict[str, int] = {}
    for key, n in s.binder.bound.items():
        used[n] = used.get(n, 0) + reqs[int(key.split("/p")[1])]
        count[n] = count.get(n, 0) + 1
    for i, c in enumerate(caps):
        assert used.get(f"n{i}", 0) <= c * 1000
        assert count.get(f"n{i}", 0) <= 5
    # and nothing that fits somewhere was left out: every unscheduled pod fits on no node
    for i, r in enumerate(reqs):
        if f"default/p{i}" not in s.binder.bound:
            assert all(used.get(f"n{j}", 0) + r > c * 1000 or count.get(f"n{j}", 0) >= 5
                       for j, c in enumerate(caps))
