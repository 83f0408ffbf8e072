"""One suite over both held_json engines: the value is unchanged, short strings are shared,
and no dict or list of a held value is left for the cyclic collector to walk."""

from __future__ import annotations

import copy
import gc

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube._fast.held_json_layout import MAX_LEN
from tests.fast.engines import ENGINES, kernel_module

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30)
POD = orjson.dumps({"metadata": {"name": "web-1", "namespace": "team-" + "a" * 20, "labels": {"app": "web"},
                                 "ownerReferences": [{"kind": "ReplicaSet", "name": "web"}]},
                    "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
                    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
                    "note": "x" * (MAX_LEN + 1)})


@pytest.fixture(params=ENGINES)
def hold(request: pytest.FixtureRequest):
    return kernel_module("held_json", request.param).hold


def containers(value: object) -> list[object]:
    if isinstance(value, dict):
        return [value, *(c for v in value.values() for c in containers(v))]
    if isinstance(value, list):
        return [value, *(c for v in value for c in containers(v))]
    return []


@given(json_values)
def test_the_value_is_unchanged_and_nothing_is_left_tracked(value: object) -> None:
    for engine in ENGINES:
        held, before = copy.deepcopy(value), copy.deepcopy(value)
        assert kernel_module("held_json", engine).hold(held) is held
        assert held == before and orjson.dumps(held) == orjson.dumps(before)
        assert not any(gc.is_tracked(c) for c in containers(held)), engine


def test_short_values_are_shared_and_long_ones_not(hold) -> None:
    a, b = hold(orjson.loads(POD)), hold(orjson.loads(POD))
    assert a["metadata"]["namespace"] is b["metadata"]["namespace"]
    assert a["status"]["conditions"][0]["status"] is b["status"]["conditions"][0]["status"]
    assert a["note"] == b["note"] and a["note"] is not b["note"]


def test_held_objects_leave_the_collector_s_lists(hold) -> None:
    """What a full collection walks shrinks by every container of every held pod."""
    gc.collect()
    gc.disable()
    try:
        pods = [orjson.loads(POD) for _ in range(2_000)]
        per_pod = sum(gc.is_tracked(c) for c in containers(pods[0]))  # orjson's all-scalar dicts start untracked
        assert per_pod >= 8
        tracked = len(gc.get_objects())
        for pod in pods:
            hold(pod)
        assert tracked - len(gc.get_objects()) >= per_pod * len(pods)
    finally:
        gc.enable()


def test_a_held_object_still_frees_by_reference_count(hold) -> None:
    import weakref

    class Marker(dict):
        pass
    pod = hold(orjson.loads(POD))
    pod["spec"]["extra"] = marker = Marker()
    gone = weakref.ref(marker)
    del marker, pod
    assert gone() is None  # freed at once, with no collection


def test_a_scalar_is_returned_as_it_is(hold) -> None:
    assert hold("Running") == "Running" and hold(3) == 3 and hold(None) is None
