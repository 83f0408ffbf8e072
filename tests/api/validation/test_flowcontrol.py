"""FlowSchema and PriorityLevelConfiguration validation and defaults, in Kubernetes' words
(pkg/apis/flowcontrol/validation, pkg/apis/flowcontrol/v1/defaults.go)."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.defaults import apply_defaults
from kube.api.validation import validate
from kube.apiserver.flowcontrol.bootstrap_objects import defaults
from tests.api.validation.validation_objects import messages, sample


def _rule(o: dict[str, Any]) -> dict[str, Any]:
    return o["spec"]["rules"][0]


def _queuing(o: dict[str, Any]) -> dict[str, Any]:
    return o["spec"]["limited"]["limitResponse"]["queuing"]


def errors(kind: str, mutate: Any) -> list[str]:
    obj = sample(kind)
    mutate(obj)
    return messages(validate(obj))


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda o: o["spec"].pop("priorityLevelConfiguration"),
     "spec.priorityLevelConfiguration.name: Required value: must reference a priority level"),
    (lambda o: o["spec"]["priorityLevelConfiguration"].update(name="Not_A_Name"),
     'spec.priorityLevelConfiguration.name: Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain'),
    (lambda o: o["spec"].update(matchingPrecedence=-3), "spec.matchingPrecedence: Invalid value: -3: must be a positive value"),
    (lambda o: o["spec"].update(matchingPrecedence=10001),
     "spec.matchingPrecedence: Invalid value: 10001: must not be greater than 10000"),
    (lambda o: o["spec"].update(matchingPrecedence=1),
     "spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1"),
    (lambda o: o["spec"].update(distinguisherMethod={"type": "ByGroup"}),
     'spec.distinguisherMethod.type: Unsupported value: "ByGroup": supported values: "ByNamespace", "ByUser"'),
    (lambda o: _rule(o).update(subjects=[]), "spec.rules[0].subjects: Required value: subjects must contain at least one value"),
    (lambda o: _rule(o).update(subjects=[{"kind": "Robot"}]),
     'spec.rules[0].subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"'),
    (lambda o: _rule(o).update(subjects=[{"kind": "User"}]),
     "spec.rules[0].subjects[0].user: Required value: user is required when subject kind is 'User'"),
    (lambda o: _rule(o).update(subjects=[{"kind": "Group", "group": {"name": "g"}, "user": {"name": "u"}}]),
     "spec.rules[0].subjects[0].user: Forbidden: user is forbidden when subject kind is not 'User'"),
    (lambda o: _rule(o)["subjects"][0]["serviceAccount"].pop("namespace"),
     "spec.rules[0].subjects[0].serviceAccount.namespace: Required value: must specify namespace for service account"),
    (lambda o: _rule(o).pop("resourceRules") and _rule(o).pop("nonResourceRules"),
     "spec.rules[0]: Required value: at least one of resourceRules and nonResourceRules has to be non-empty"),
    (lambda o: _rule(o)["resourceRules"][0].update(verbs=[]),
     "spec.rules[0].resourceRules[0].verbs: Required value: verbs must contain at least one value"),
    (lambda o: _rule(o)["resourceRules"][0].update(verbs=["get", "*"]),
     "spec.rules[0].resourceRules[0].verbs: Invalid value: [\"get\",\"*\"]: if '*' is present, must not specify other verbs"),
    (lambda o: _rule(o)["resourceRules"][0].update(verbs=["escalate"]),
     'spec.rules[0].resourceRules[0].verbs: Unsupported value: ["escalate"]: supported values: "create", "delete"'),
    (lambda o: _rule(o)["resourceRules"][0].update(apiGroups=[]),
     "spec.rules[0].resourceRules[0].apiGroups: Required value: resource rules must supply at least one api group"),
    (lambda o: _rule(o)["resourceRules"][0].update(resources=[]),
     "spec.rules[0].resourceRules[0].resources: Required value: resource rules must supply at least one resource"),
    (lambda o: _rule(o)["resourceRules"][0].pop("namespaces"),
     "spec.rules[0].resourceRules[0].namespaces: Required value: resource rules that are not cluster scoped must "
     "supply at least one namespace"),
    (lambda o: _rule(o)["resourceRules"][0].update(namespaces=["Bad NS"]),
     "spec.rules[0].resourceRules[0].namespaces[0]: Invalid value: \"Bad NS\": each member of this list must be '*' "
     "or a DNS-1123 label; "),
    (lambda o: _rule(o)["nonResourceRules"][0].update(nonResourceURLs=[]),
     "spec.rules[0].nonResourceRules[0].nonResourceURLs: Required value: nonResourceURLs must contain at least one value"),
    (lambda o: _rule(o)["nonResourceRules"][0].update(nonResourceURLs=["healthz"]),
     'spec.rules[0].nonResourceRules[0].nonResourceURLs[0]: Invalid value: "healthz": must start with slash'),
    (lambda o: _rule(o)["nonResourceRules"][0].update(nonResourceURLs=["/api/*/pods"]),
     'nonResourceURLs[0]: Invalid value: "/api/*/pods": wildcard can only do suffix matching'),
    (lambda o: o.update(status={"conditions": [{"type": "Dangling"}, {"type": "Dangling"}]}),
     'status.conditions[1].type: Duplicate value: "Dangling"'),
])
def test_bad_flow_schemas(mutate: Any, expected: str) -> None:
    found = errors("FlowSchema", mutate)
    assert any(m.startswith(expected) or expected in m for m in found), found


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda o: o["spec"].update(type="Unlimited"),
     'spec.type: Unsupported value: "Unlimited": supported values: "Exempt", "Limited"'),
    (lambda o: o["spec"].update(type="Exempt"), "spec.type: Invalid value: \"Exempt\": type must be 'Exempt' if and "
                                                "only if name is 'exempt'"),
    (lambda o: o["spec"].pop("limited"), "spec.limited: Required value: must not be empty when type is Limited"),
    (lambda o: o["spec"].update(exempt={}), "spec.exempt: Forbidden: must be nil if the type is Limited"),
    (lambda o: o["spec"]["limited"].update(nominalConcurrencyShares=-1),
     "spec.limited.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer"),
    (lambda o: o["spec"]["limited"].update(lendablePercent=101),
     "spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive"),
    (lambda o: o["spec"]["limited"].update(borrowingLimitPercent=-5),
     "spec.limited.borrowingLimitPercent: Invalid value: -5: if specified, must be a non-negative integer"),
    (lambda o: o["spec"]["limited"]["limitResponse"].update(type="Drop"),
     'spec.limited.limitResponse.type: Unsupported value: "Drop": supported values: "Queue", "Reject"'),
    (lambda o: o["spec"]["limited"]["limitResponse"].update(type="Reject"),
     "spec.limited.limitResponse.queuing: Forbidden: must be nil if limited.limitResponse.type is not Limited"),
    (lambda o: o["spec"]["limited"]["limitResponse"].pop("queuing"),
     "spec.limited.limitResponse.queuing: Required value: must not be empty if limited.limitResponse.type is Limited"),
    (lambda o: _queuing(o).update(queues=-1), "spec.limited.limitResponse.queuing.queues: Invalid value: -1: must be positive"),
    (lambda o: _queuing(o).update(queues=10**7 + 1),
     "spec.limited.limitResponse.queuing.queues: Invalid value: 10000001: must not be greater than 10000000"),
    (lambda o: _queuing(o).update(handSize=17),
     "spec.limited.limitResponse.queuing.handSize: Invalid value: 17: should not be greater than queues (16)"),
    (lambda o: _queuing(o).update(queues=128, handSize=9),
     "spec.limited.limitResponse.queuing.handSize: Invalid value: 9: required entropy bits of deckSize 128 and "
     "handSize 9 should not be greater than 60"),
    (lambda o: _queuing(o).update(queueLengthLimit=-2),
     "spec.limited.limitResponse.queuing.queueLengthLimit: Invalid value: -2: must be positive"),
])
def test_bad_priority_levels(mutate: Any, expected: str) -> None:
    found = errors("PriorityLevelConfiguration", mutate)
    assert any(m.startswith(expected) or expected in m for m in found), found


def test_the_exempt_level_is_exempt_and_only_it() -> None:
    exempt = {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
              "metadata": {"name": "exempt"}, "spec": {"type": "Exempt", "exempt": {"lendablePercent": -1}}}
    assert messages(validate(exempt)) == [
        "spec.exempt.lendablePercent: Invalid value: -1: must be between 0 and 100, inclusive"]
    exempt["spec"] = {"type": "Limited", "limited": {"nominalConcurrencyShares": 1, "limitResponse": {"type": "Reject"}}}
    assert messages(validate(exempt)) == [
        "spec.type: Invalid value: \"Limited\": type must be 'Exempt' if and only if name is 'exempt'"]


def test_defaults_as_kubernetes_v1() -> None:
    fs = apply_defaults({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
                         "metadata": {"name": "x"}, "spec": {"priorityLevelConfiguration": {"name": "p"}}})
    assert fs["spec"]["matchingPrecedence"] == 1000 and "distinguisherMethod" not in fs["spec"]
    pl = apply_defaults({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
                         "metadata": {"name": "p"}, "spec": {"type": "Limited", "limited": {
                             "nominalConcurrencyShares": 0, "limitResponse": {"type": "Queue", "queuing": {}}}}})
    assert pl["spec"]["limited"] == {"nominalConcurrencyShares": 0, "lendablePercent": 0,  # 0 is a value in v1
                                     "limitResponse": {"type": "Queue", "queuing": {
                                         "queues": 64, "handSize": 8, "queueLengthLimit": 50}}}
    assert apply_defaults({**pl, "spec": {"type": "Limited", "limited": {"limitResponse": {"type": "Reject"}}}})[
        "spec"]["limited"] == {"nominalConcurrencyShares": 30, "lendablePercent": 0, "limitResponse": {"type": "Reject"}}
    exempt = apply_defaults({**pl, "metadata": {"name": "exempt"}, "spec": {"type": "Exempt", "exempt": {}}})
    assert exempt["spec"]["exempt"] == {"nominalConcurrencyShares": 0, "lendablePercent": 0}


def test_every_bootstrap_object_is_valid_and_already_defaulted() -> None:
    flow_schemas, priority_levels = defaults()
    for obj in (*flow_schemas, *priority_levels):
        assert apply_defaults(copy.deepcopy(obj)) == obj, obj["metadata"]["name"]
        assert messages(validate(obj)) == [], obj["metadata"]["name"]


@given(st.integers(1, 200), st.integers(1, 200))
def test_a_hand_is_valid_exactly_when_it_fits_the_deck_and_the_hash(queues: int, hand: int) -> None:
    def queuing(o: dict[str, Any]) -> None:
        _queuing(o).update(queues=queues, handSize=hand)

    found = [m for m in errors("PriorityLevelConfiguration", queuing) if "handSize" in m]
    assert (found == []) == (hand <= queues and math.ceil(math.log2(queues) * hand) <= 60), found
