"""Integer fields held to the width Kubernetes' schemas declare (int32 / int64)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.validation import validate
from kube.api.validation.int_bounds import integer_errors
from tests.api.validation.validation_objects import KINDS, messages, sample

INT32_MAX, INT64_MAX = 2**31 - 1, 2**63 - 1


@pytest.mark.parametrize("kind", KINDS)
def test_valid_objects_have_no_bound_errors(kind: str) -> None:
    assert integer_errors(sample(kind)) == []


@pytest.mark.parametrize("value", [2**31, 10**26, 1e26, float(2**31)])
def test_replicas_past_int32_is_invalid_with_its_path(value: float) -> None:
    obj = sample("Deployment")
    obj["spec"]["replicas"] = value
    errs = validate(obj)
    assert [(e.type, e.field) for e in errs] == [("FieldValueInvalid", "spec.replicas")]
    assert "must be between -2147483648 and 2147483647, inclusive" in errs[0].message()


def test_the_edges_of_int32_are_valid() -> None:
    obj = sample("ReplicaSet")
    obj["spec"]["replicas"] = INT32_MAX
    obj["spec"]["minReadySeconds"] = 0
    assert integer_errors(obj) == []
    obj["spec"]["minReadySeconds"] = -(2**31)
    assert integer_errors(obj) == []


def test_fields_no_validator_reads_are_bounded_too() -> None:
    obj = sample("Pod")
    container = obj["spec"]["containers"][0]
    container["readinessProbe"]["periodSeconds"] = 2**40
    obj["spec"]["terminationGracePeriodSeconds"] = INT64_MAX  # int64: fine
    obj["spec"]["activeDeadlineSeconds"] = INT64_MAX + 1  # int64: too big
    obj["spec"]["securityContext"] = {"runAsUser": 2**63}
    fields = {e.field for e in integer_errors(obj)}
    assert fields == {"spec.containers[0].readinessProbe.periodSeconds", "spec.activeDeadlineSeconds",
                      "spec.securityContext.runAsUser"}


def test_int_or_string_holds_an_int32_when_a_number() -> None:
    obj = sample("Service")
    obj["spec"]["ports"][0]["targetPort"] = 2**31
    obj["spec"]["ports"][1]["targetPort"] = "https"
    assert [e.field for e in integer_errors(obj)] == ["spec.ports[0].targetPort"]


def test_non_integers_in_integer_fields() -> None:
    obj = sample("Deployment")
    obj["spec"]["minReadySeconds"] = 1.5
    obj["spec"]["revisionHistoryLimit"] = "ten"
    obj["spec"]["progressDeadlineSeconds"] = True
    obj["spec"]["paused"] = None
    assert sorted((e.type, e.field) for e in integer_errors(obj)) == [
        ("FieldValueTypeInvalid", "spec.minReadySeconds"),
        ("FieldValueTypeInvalid", "spec.progressDeadlineSeconds"),
        ("FieldValueTypeInvalid", "spec.revisionHistoryLimit"),
    ]


def test_one_error_per_field_when_a_validator_already_reported_it() -> None:
    obj = sample("Deployment")
    obj["spec"]["replicas"] = "three"
    assert [e.field for e in validate(obj)].count("spec.replicas") == 1, messages(validate(obj))


@given(st.integers(-(2**70), 2**70))
def test_bounds_follow_the_format_exactly(value: int) -> None:
    obj = sample("Lease")
    obj["spec"]["leaseDurationSeconds"] = value  # int32
    obj["metadata"]["generation"] = value  # int64
    fields = {e.field for e in integer_errors(obj)}
    assert ("spec.leaseDurationSeconds" in fields) == (not -(2**31) <= value <= INT32_MAX)
    assert ("metadata.generation" in fields) == (not -(2**63) <= value <= INT64_MAX)
