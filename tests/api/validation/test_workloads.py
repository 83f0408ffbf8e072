"""ReplicaSet and Deployment validation, including Kubernetes' selector/template message."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube.api.errors import invalid_object
from kube.api.validation import validate
from tests.api.validation.validation_objects import messages, sample


def test_samples_are_valid() -> None:
    assert validate(sample("Deployment")) == []
    assert validate(sample("ReplicaSet")) == []


def test_selector_must_match_template_labels_exact_message() -> None:
    obj = sample("Deployment")
    obj["spec"]["template"]["metadata"]["labels"] = {"app": "x"}
    errors = validate(obj)
    assert messages(errors) == [
        'spec.template.metadata.labels: Invalid value: {"app":"x"}: `selector` does not match template `labels`']
    status = invalid_object("Deployment", "web", errors, "apps").status()
    assert status["code"] == 422
    assert status["details"]["causes"][0]["field"] == "spec.template.metadata.labels"


def test_set_based_selector_matching() -> None:
    obj = sample("ReplicaSet")
    obj["spec"]["selector"] = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}]}
    assert validate(obj) == []
    obj["spec"]["selector"]["matchExpressions"].append({"key": "app", "operator": "DoesNotExist"})
    assert any("`selector` does not match template `labels`" in m for m in messages(validate(obj)))


def dep(mutate: Any) -> dict[str, Any]:
    obj = sample("Deployment")
    mutate(obj)
    return obj


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda o: o["spec"].pop("selector"), "spec.selector: Required value"),
    (lambda o: o["spec"].update(selector={}), "spec.selector: Invalid value: {}: empty selector is invalid for deployment"),
    (lambda o: o["spec"].update(replicas=-1), "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    (lambda o: o["spec"].update(replicas="3"), 'spec.replicas: Invalid value: "3": must be of type int32'),
    (lambda o: o["spec"].update(minReadySeconds=-5), "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0"),
    (lambda o: o["spec"].update(revisionHistoryLimit=-1),
     "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"),
    (lambda o: o["spec"]["strategy"].update(type="BlueGreen"),
     'spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"'),
    (lambda o: o["spec"]["strategy"].update(type="Recreate"),
     "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"),
    (lambda o: o["spec"]["strategy"].update(rollingUpdate={"maxSurge": 0, "maxUnavailable": "0%"}),
     'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0'),
    (lambda o: o["spec"]["strategy"].update(rollingUpdate={"maxSurge": "25", "maxUnavailable": 1}),
     'spec.strategy.rollingUpdate.maxSurge: Invalid value: "25": a valid percent string must be a numeric string '
     "followed by an ending '%'"),
    (lambda o: o["spec"]["strategy"].update(rollingUpdate={"maxSurge": 1, "maxUnavailable": "150%"}),
     'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%'),
    (lambda o: o["spec"]["strategy"].update(rollingUpdate={"maxSurge": -1, "maxUnavailable": 1}),
     "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"),
    (lambda o: o["spec"]["template"]["spec"].update(restartPolicy="Never"),
     'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'),
    (lambda o: o["spec"].update(progressDeadlineSeconds=5, minReadySeconds=10),
     "spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds"),
    (lambda o: o["spec"]["selector"].update(matchExpressions=[{"key": "a", "operator": "In"}]),
     "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
    (lambda o: o["spec"]["selector"].update(matchExpressions=[{"key": "a", "operator": "Is"}]),
     'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator'),
    (lambda o: o["spec"]["template"]["spec"]["containers"][0].pop("image"),
     "spec.template.spec.containers[0].image: Required value"),
    (lambda o: o["metadata"].update(name="Web_App"), 'metadata.name: Invalid value: "Web_App"'),
])
def test_bad_deployments(mutate: Any, expected: str) -> None:
    found = messages(validate(dep(mutate)))
    assert any(m.startswith(expected) for m in found), found


def test_selector_is_immutable_on_update() -> None:
    old = sample("ReplicaSet")
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 5
    assert validate(new, old) == []
    new["spec"]["selector"] = {"matchLabels": {"tier": "fe"}}
    assert 'spec.selector: Invalid value: {"matchLabels":{"tier":"fe"}}: field is immutable' in messages(validate(new, old))
