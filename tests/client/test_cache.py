"""The informer's indexed store keeps its indexes in step with every put, remove and replace."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api.meta import object_key, split_key
from kube.client.cache import Indexer, field_index


def pod(name: str, namespace: str = "default", node: str | None = None, rv: str = "1") -> dict[str, Any]:
    spec = {"nodeName": node} if node else {}
    return {"metadata": {"name": name, "namespace": namespace, "resourceVersion": rv}, "spec": spec}


def test_keys() -> None:
    assert object_key(pod("p", "ns")) == "ns/p"
    assert object_key({"metadata": {"name": "n1"}}) == "n1"
    assert split_key("ns/p") == ("ns", "p") and split_key("n1") == (None, "n1")


def test_index_follows_updates_and_removals() -> None:
    store = Indexer({"node": field_index("spec.nodeName")})
    store.put(pod("a", node="n1"))
    store.put(pod("b", node="n1"))
    store.put(pod("c", "other"))
    assert store.index_keys("node", "n1") == ["default/a", "default/b"]
    store.put(pod("a", node="n2", rv="2"))  # moved
    assert store.index_keys("node", "n1") == ["default/b"]
    assert [p["metadata"]["name"] for p in store.by_index("node", "n2")] == ["a"]
    store.remove("default/b")
    assert store.index_values("node") == ["n2"]
    assert sorted(store.index_keys("namespace", "default")) == ["default/a"]


def test_indexer_added_late_indexes_existing_objects() -> None:
    store = Indexer()
    store.put(pod("a", node="n1"))
    store.add_indexers({"node": field_index("spec.nodeName")})
    assert store.index_keys("node", "n1") == ["default/a"]


ops = st.lists(st.tuples(st.sampled_from(["put", "remove"]), st.sampled_from("abcd"),
                         st.sampled_from([None, "n1", "n2"]), st.sampled_from(["ns1", "ns2"])), max_size=40)


@settings(max_examples=200, deadline=None)
@given(ops=ops)
def test_property_index_equals_a_fresh_scan(ops: list[tuple[str, str, str | None, str]]) -> None:
    store = Indexer({"node": field_index("spec.nodeName")})
    for op, name, node, ns in ops:
        if op == "put":
            store.put(pod(name, ns, node))
        else:
            store.remove(f"{ns}/{name}")
    for node in ("n1", "n2"):
        expected = sorted(object_key(p) for p in store.list() if p["spec"].get("nodeName") == node)
        assert store.index_keys("node", node) == expected
    rebuilt = Indexer({"node": field_index("spec.nodeName")})
    rebuilt.replace(store.list())
    assert sorted(rebuilt.index_values("node")) == sorted(store.index_values("node"))
