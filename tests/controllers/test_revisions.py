"""Template identity as Kubernetes sees it: empty maps and lists are the same as absent
ones (kubectl sends `resources: {}` back on rollout undo), the hash label is ignored."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from kube.controllers.deployment.revisions import HASH_LABEL, equal_ignoring_hash, semantic, template_hash
from tests.controllers.fake_cluster import FakeCluster
from tests.controllers.rollout_sim import settle
from tests.controllers.workloads import deployment, template


def test_empty_maps_lists_and_nulls_do_not_make_another_template() -> None:
    a = template({"app": "web"})
    b = copy.deepcopy(a)
    b["spec"]["containers"][0]["resources"] = {}
    b["spec"]["volumes"] = []
    b["metadata"]["annotations"] = None
    assert semantic(a) == semantic(b) and template_hash(a) == template_hash(b) and equal_ignoring_hash(a, b)
    c = copy.deepcopy(a)
    c["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    assert not equal_ignoring_hash(a, c) and template_hash(a) != template_hash(c)
    d = copy.deepcopy(a)
    d["metadata"]["labels"][HASH_LABEL] = "abc"
    assert equal_ignoring_hash(a, d)


keys = st.text("abcdefgh", min_size=1, max_size=4)
json_values = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.text("xyz", max_size=3),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                           max_leaves=12)


@given(st.dictionaries(keys, json_values, max_size=4))
def test_semantic_form_is_idempotent_and_has_no_empty_members(value: dict) -> None:
    once = semantic(value)
    assert semantic(once) == once

    def no_empty_members(v: object) -> bool:
        if isinstance(v, dict):
            return all(x not in ({}, [], None) and no_empty_members(x) for x in v.values())
        if isinstance(v, list):
            return all(no_empty_members(x) for x in v)
        return True

    assert no_empty_members(once)
    assert template_hash(value) == template_hash(once)


def test_undo_with_kubectl_shaped_template_reuses_the_old_replica_set() -> None:
    c = FakeCluster()
    c.add(deployment("web", 2))
    settle(c)
    first = c.list("ReplicaSet")[0]
    live = c.objects[("Deployment", "default", "web")]
    live["spec"]["template"]["spec"]["containers"][0]["image"] = "img:2"
    live["metadata"]["generation"] += 1
    settle(c)
    # what `kubectl rollout undo` PATCHes in: revision 1's template, hash label dropped, Go's empty structs kept
    restored = copy.deepcopy(first["spec"]["template"])
    del restored["metadata"]["labels"][HASH_LABEL]
    restored["spec"]["containers"][0]["resources"] = {}
    live = c.objects[("Deployment", "default", "web")]
    live["spec"]["template"] = restored
    live["metadata"]["generation"] += 1
    settle(c)
    sets = {s["metadata"]["name"]: s for s in c.list("ReplicaSet")}
    assert len(sets) == 2
    assert sets[first["metadata"]["name"]]["spec"]["replicas"] == 2
    assert sets[first["metadata"]["name"]]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
