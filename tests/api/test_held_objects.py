"""Held objects: short strings shared (interned) without changing any value, and the watch
cache's and informers' objects out of the cyclic collector's walk."""

from __future__ import annotations

import copy
import gc

import orjson
from hypothesis import given
from hypothesis import strategies as st

from kube.api.held_objects import MAX_LEN, hold
from kube.apiserver.storage.object_store import decode
from kube.client.cache import Indexer
from kube.store.protocol import KeyValue

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30)


@given(json_values)
def test_the_value_is_unchanged(value: object) -> None:
    before = copy.deepcopy(value)
    assert hold(value) == before
    assert orjson.dumps(value) == orjson.dumps(before)


def test_two_decoded_objects_share_their_short_values_not_their_long_ones() -> None:
    long = "x" * (MAX_LEN + 1)
    raw = orjson.dumps({"metadata": {"namespace": "team-a-" + "n" * 20, "labels": {"app": "web"}},
                        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
                        "note": long})
    a, b = hold(orjson.loads(raw)), hold(orjson.loads(raw))
    assert a["metadata"]["namespace"] is b["metadata"]["namespace"]
    assert a["metadata"]["labels"]["app"] is b["metadata"]["labels"]["app"]
    assert a["status"]["phase"] is b["status"]["phase"]
    assert a["status"]["conditions"][0]["status"] is b["status"]["conditions"][0]["status"]
    assert a["note"] == b["note"] and a["note"] is not b["note"]


def test_the_watch_cache_and_informer_stores_hold_shared_strings_untracked() -> None:
    raw = orjson.dumps({"kind": "Pod", "metadata": {"name": "p", "namespace": "ns-shared-1"},
                        "status": {"phase": "Pending-" + "shared"}})
    one = decode(KeyValue(key="/registry/pods/ns-shared-1/p", value=raw, create_revision=1, mod_revision=1))
    store = Indexer()
    store.put(orjson.loads(raw.replace(b'"p"', b'"q"')))
    other = store.get("ns-shared-1/q")
    assert other is not None and other["status"]["phase"] is one["status"]["phase"]
    store.replace([orjson.loads(raw.replace(b'"p"', b'"r"'))])
    again = store.get("ns-shared-1/r")
    assert again is not None and again["status"]["phase"] is one["status"]["phase"]
    for held in (one, other, again):
        assert not gc.is_tracked(held) and not gc.is_tracked(held["metadata"]), held
