"""InterPodAffinity: the Kubernetes docs' cases for affinity and anti-affinity."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.scheduler.objects import HOST, ZONE, anti_affinity, node, pod, pod_affinity, schedule_all

ENGINES = ["cython", "python"]


@pytest.mark.parametrize("engine", ENGINES)
def test_anti_affinity_on_hostname_puts_one_replica_per_node(engine):
    nodes = [node(f"n{i}", zone=f"z{i % 3}") for i in range(5)]
    pods = [pod(f"web-{i}", labels={"app": "web"}, affinity=anti_affinity({"app": "web"})) for i in range(7)]
    s = schedule_all(nodes, pods, engine=engine)
    placed = Counter(s.binder.bound.values())
    assert len(placed) == 5 and set(placed.values()) == {1}
    assert s.events.for_pod("web-5")[0]["message"] == (
        "0/5 nodes are available: 5 node(s) didn't match pod anti-affinity rules.")


def test_anti_affinity_on_zone_one_per_zone():
    nodes = [node(f"n{i}", zone=f"z{i % 3}") for i in range(6)]
    pods = [pod(f"db-{i}", labels={"app": "db"}, affinity=anti_affinity({"app": "db"}, ZONE)) for i in range(4)]
    s = schedule_all(nodes, pods)
    zones = Counter(s.cache.nodes[n]["metadata"]["labels"][ZONE] for n in s.binder.bound.values())
    assert zones == Counter({"z0": 1, "z1": 1, "z2": 1})


def test_existing_pods_anti_affinity_keeps_others_out():
    nodes = [node("a"), node("b")]
    loner = pod("loner", labels={"app": "loner"}, affinity=anti_affinity({"app": "web"}))
    s = schedule_all(nodes, [loner] + [pod(f"web-{i}", labels={"app": "web"}) for i in range(3)])
    where = s.binder.bound
    assert all(where[f"default/web-{i}"] != where["default/loner"] for i in range(3))


def test_existing_anti_affinity_message():
    s = schedule_all([node("a")], [pod("loner", affinity=anti_affinity({"app": "web"})),
                                   pod("w", labels={"app": "web"})])
    assert s.events.for_pod("w")[0]["message"] == (
        "0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules.")


def test_pod_affinity_follows_the_selected_pods_zone():
    nodes = [node(f"n{i}", zone=f"z{i % 3}") for i in range(6)]
    cache_pod = pod("cache", labels={"app": "cache"}, nodeSelector={ZONE: "z2"})
    web = [pod(f"web-{i}", affinity=pod_affinity({"app": "cache"})) for i in range(4)]
    s = schedule_all(nodes, [cache_pod] + web)
    for i in range(4):
        assert s.cache.nodes[s.binder.bound[f"default/web-{i}"]]["metadata"]["labels"][ZONE] == "z2"


def test_pod_affinity_without_any_match_waits_unless_it_matches_itself():
    nodes = [node("a", zone="z0")]
    s = schedule_all(nodes, [pod("lonely", affinity=pod_affinity({"app": "cache"}))])
    assert s.events.for_pod("lonely")[0]["message"] == (
        "0/1 nodes are available: 1 node(s) didn't match pod affinity rules.")
    first = schedule_all(nodes, [pod("first", labels={"app": "cache"}, affinity=pod_affinity({"app": "cache"}))])
    assert first.binder.bound == {"default/first": "a"}


def test_affinity_respects_namespaces():
    nodes = [node("a", zone="z0"), node("b", zone="z1")]
    other = pod("cache", labels={"app": "cache"}, namespace="other", nodeSelector={ZONE: "z1"})
    mine = pod("web", affinity=pod_affinity({"app": "cache"}))
    s = schedule_all(nodes, [other, mine])
    assert "default/web" not in s.binder.bound  # the cache pod is in another namespace
    aff = pod_affinity({"app": "cache"})
    aff["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["namespaces"] = ["other"]
    s2 = schedule_all(nodes, [other, pod("web", affinity=aff)])
    assert s2.binder.bound["default/web"] == "b"


def test_preferred_anti_affinity_spreads_and_preferred_affinity_packs():
    nodes = [node(f"n{i}") for i in range(3)]
    pref_anti = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "x"}}, "topologyKey": HOST}}]}}
    s = schedule_all(nodes, [pod(f"x{i}", labels={"app": "x"}, affinity=pref_anti) for i in range(3)])
    assert len(set(s.binder.bound.values())) == 3
    pref_aff = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "y"}}, "topologyKey": HOST}}]}}
    s2 = schedule_all(nodes, [pod(f"y{i}", labels={"app": "y"}, affinity=pref_aff) for i in range(3)])
    assert len(set(s2.binder.bound.values())) == 1


def test_empty_topology_key_is_a_clear_error():
    aff = anti_affinity({"app": "x"}, key="")
    s = schedule_all([node("a")], [pod("p", affinity=aff)])
    assert "topologyKey: Required value" in s.events.for_pod("p")[0]["message"]
