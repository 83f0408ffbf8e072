"""PodTopologySpread: maxSkew over zones, minDomains, ScheduleAnyway."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.scheduler.objects import ZONE, node, pod, schedule_all, spread


def zone_counts(s, prefix: str) -> Counter:
    return Counter(s.cache.nodes[n]["metadata"]["labels"][ZONE]
                   for k, n in s.binder.bound.items() if k.startswith(f"default/{prefix}"))


@pytest.mark.parametrize("engine", ["cython", "python"])
def test_max_skew_1_over_3_zones(engine):
    nodes = [node(f"n{i}", zone=f"z{i % 3}") for i in range(9)]
    pods = [pod(f"s{i}", labels={"app": "s"}, topologySpreadConstraints=spread({"app": "s"})) for i in range(10)]
    s = schedule_all(nodes, pods, engine=engine)
    counts = zone_counts(s, "s")
    assert sum(counts.values()) == 10
    assert max(counts.values()) - min(counts.values()) <= 1


def test_skew_blocks_when_a_zone_is_full():
    nodes = [node("a", zone="z0"), node("b", zone="z1", pods=1)]
    pods = [pod(f"s{i}", labels={"app": "s"}, topologySpreadConstraints=spread({"app": "s"})) for i in range(4)]
    s = schedule_all(nodes, pods)
    assert zone_counts(s, "s") == Counter({"z0": 2, "z1": 1})
    msg = s.events.for_pod("s3")[0]["message"]
    assert msg == ("0/2 nodes are available: 1 Too many pods, "
                   "1 node(s) didn't match pod topology spread constraints.")


def test_node_without_the_key_is_excluded():
    s = schedule_all([node("nozone")], [pod("s", labels={"app": "s"}, topologySpreadConstraints=spread({"app": "s"}))])
    assert s.events.for_pod("s")[0]["message"] == (
        "0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label).")


def test_min_domains_forces_new_domains():
    nodes = [node("a", zone="z0"), node("b", zone="z1")]
    c = spread({"app": "s"}, minDomains=3)
    s = schedule_all(nodes, [pod(f"s{i}", labels={"app": "s"}, topologySpreadConstraints=c) for i in range(4)])
    # only 2 domains exist, fewer than minDomains 3: the global minimum counts as 0, so 1 pod per zone
    assert zone_counts(s, "s") == Counter({"z0": 1, "z1": 1})


def test_schedule_anyway_prefers_the_emptier_zone_but_never_blocks():
    nodes = [node("a", zone="z0"), node("b", zone="z1", pods=2)]
    c = spread({"app": "s"}, when="ScheduleAnyway")
    s = schedule_all(nodes, [pod(f"s{i}", labels={"app": "s"}, topologySpreadConstraints=c) for i in range(6)])
    assert len(s.binder.bound) == 6
    counts = zone_counts(s, "s")
    assert counts["z1"] == 2


def test_counting_honours_node_affinity():
    nodes = [node("a", zone="z0", labels={"pool": "x"}), node("b", zone="z1", labels={"pool": "x"}),
             node("c", zone="z2", labels={"pool": "y"})]
    c = spread({"app": "s"})
    pods = [pod(f"s{i}", labels={"app": "s"}, topologySpreadConstraints=c, nodeSelector={"pool": "x"})
            for i in range(4)]
    s = schedule_all(nodes, pods)
    assert zone_counts(s, "s") == Counter({"z0": 2, "z1": 2})  # z2 is not eligible, so it does not hold the min at 0


@settings(max_examples=25, deadline=None)
@given(zones=st.integers(2, 4), per_zone=st.integers(1, 3), n=st.integers(1, 25), skew=st.integers(1, 3))
def test_skew_invariant(zones, per_zone, n, skew):
    nodes = [node(f"n{z}-{j}", zone=f"z{z}") for z in range(zones) for j in range(per_zone)]
    pods = [pod(f"s{i}", labels={"app": "s"}, topologySpreadConstraints=spread({"app": "s"}, skew=skew))
            for i in range(n)]
    s = schedule_all(nodes, pods)
    counts = [zone_counts(s, "s").get(f"z{z}", 0) for z in range(zones)]
    assert sum(counts) == n
    assert max(counts) - min(counts) <= skew
