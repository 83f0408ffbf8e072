"""kube.api.tolerations: Kubernetes' ToleratesTaint, edge cases by table and its laws by property."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.tolerations import (
    taint_fields,
    tolerates,
    tolerates_fields,
    tolerates_taint,
    toleration_fields,
)

GPU = {"key": "gpu", "value": "true", "effect": "NoSchedule"}


@pytest.mark.parametrize(("toleration", "taint", "expected"), [
    # Exists ignores the value; an empty effect matches every effect
    ({"key": "gpu", "operator": "Exists", "value": "ignored"}, GPU, True),
    ({"key": "gpu", "operator": "Exists"}, {"key": "gpu", "effect": "NoExecute"}, True),
    # Equal (also the default operator) needs the same value
    ({"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}, GPU, True),
    ({"key": "gpu", "value": "true"}, GPU, True),
    ({"key": "gpu", "operator": "Equal", "value": "false"}, GPU, False),
    ({"key": "gpu", "operator": "Equal"}, GPU, False),  # no value is the empty value
    ({"key": "spot", "operator": "Equal"}, {"key": "spot", "effect": "NoSchedule"}, True),
    # an effect, when given, must be the taint's
    ({"key": "gpu", "operator": "Exists", "effect": "NoExecute"}, GPU, False),
    ({"key": "gpu", "operator": "Exists", "effect": "PreferNoSchedule"}, GPU, False),
    # an empty key matches every key: with Exists every taint, with Equal every taint of that value
    ({"operator": "Exists"}, GPU, True),
    ({"key": "", "operator": "Exists", "effect": "NoSchedule"}, GPU, True),
    ({"key": "", "operator": "Exists", "effect": "NoExecute"}, GPU, False),
    ({"operator": "Equal", "value": "true"}, GPU, True),
    ({"operator": "Equal"}, GPU, False),
    ({}, {"key": "x", "effect": "NoSchedule"}, True),  # empty key, Equal, empty value: an empty-valued taint
    # a different key never matches, whatever the operator
    ({"key": "gpus", "operator": "Exists"}, GPU, False),
    ({"key": "GPU", "operator": "Exists"}, GPU, False),
    # an operator Kubernetes does not know (or gates off: Lt, Gt) matches nothing
    ({"key": "gpu", "operator": "Maybe", "value": "true"}, GPU, False),
    ({"key": "gpu", "operator": "Lt", "value": "5"}, {"key": "gpu", "value": "9", "effect": "NoSchedule"}, False),
    ({"operator": "exists"}, GPU, False),  # operators are case-sensitive
    # None reads as the empty string, as an absent field does
    ({"key": None, "operator": "Exists", "effect": None}, GPU, True),
    ({"key": "gpu", "operator": None, "value": None}, {"key": "gpu", "value": None, "effect": "NoSchedule"}, True),
])
def test_tolerates_taint_edge_cases(toleration: dict[str, Any], taint: dict[str, Any], expected: bool) -> None:
    assert tolerates(toleration, taint) is expected
    assert tolerates_fields(toleration_fields(toleration), taint_fields(taint)) is expected
    assert tolerates_taint([toleration], taint) is expected
    assert tolerates_taint([{"key": "unrelated", "operator": "Exists"}, toleration], taint) is expected


def test_no_tolerations_tolerate_nothing() -> None:
    assert not tolerates_taint([], GPU)
    assert not tolerates_taint([], {})


KEYS = st.sampled_from(["", "a", "b", "example.com/c"])
VALUES = st.sampled_from(["", "x", "y"])
EFFECTS = st.sampled_from(["", "NoSchedule", "PreferNoSchedule", "NoExecute"])
OPERATORS = st.sampled_from(["", "Equal", "Exists", "Lt", "Maybe"])
TOLERATIONS = st.builds(lambda k, o, v, e: {"key": k, "operator": o, "value": v, "effect": e},
                        KEYS, OPERATORS, VALUES, EFFECTS)
TAINTS = st.builds(lambda k, v, e: {"key": k, "value": v, "effect": e}, KEYS, VALUES, EFFECTS)


@given(TOLERATIONS, TAINTS)
def test_widening_a_toleration_never_loses_a_taint(toleration: dict[str, str], taint: dict[str, str]) -> None:
    """Dropping the effect, dropping the key of an Exists, or turning Equal into Exists only widens it;
    and whatever it tolerates has its key (when set), its effect (when set) and, unless Exists, its value."""
    if tolerates(toleration, taint):
        assert tolerates({**toleration, "effect": ""}, taint)
        assert tolerates({**toleration, "operator": "Exists"}, taint)
        if toleration["operator"] == "Exists":
            assert tolerates({**toleration, "key": ""}, taint)
        assert toleration["key"] in ("", taint["key"])
        assert toleration["effect"] in ("", taint["effect"])
        assert toleration["operator"] in ("", "Equal", "Exists")
        assert toleration["operator"] == "Exists" or toleration["value"] == taint["value"]
    assert tolerates({"operator": "Exists"}, taint)
    assert tolerates({"key": taint["key"], "operator": "Equal", "value": taint["value"],
                      "effect": taint["effect"]}, taint)
