"""Object metadata and the smaller kinds: Namespace, Node, ConfigMap, Secret, Event, Lease, PDB."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube.api.validation import validate
from tests.api.validation.validation_objects import KINDS, messages, sample


@pytest.mark.parametrize("kind", KINDS)
def test_every_sample_is_valid(kind: str) -> None:
    assert messages(validate(sample(kind))) == []


def test_unknown_kind_has_no_errors() -> None:
    assert validate({"apiVersion": "example.com/v1", "kind": "Widget", "spec": "anything"}) == []


def test_non_object_is_a_type_error() -> None:
    assert validate(["x"]) != []  # type: ignore[arg-type]


def mutated(kind: str, mutate: Any) -> list[str]:
    obj = sample(kind)
    mutate(obj)
    return messages(validate(obj))


@pytest.mark.parametrize(("kind", "mutate", "expected"), [
    ("ConfigMap", lambda o: o["metadata"].pop("name"), "metadata.name: Required value: name or generateName is required"),
    ("ConfigMap", lambda o: o["metadata"].pop("namespace"), "metadata.namespace: Required value"),
    ("Node", lambda o: o["metadata"].update(namespace="default"), "metadata.namespace: Forbidden: not allowed on this type"),
    ("ConfigMap", lambda o: o["metadata"].update(labels={"a/b/c": "x"}), 'metadata.labels: Invalid value: "a/b/c"'),
    ("ConfigMap", lambda o: o["metadata"].update(labels={"app": "-x"}), 'metadata.labels: Invalid value: "-x"'),
    ("ConfigMap", lambda o: o["metadata"].update(annotations={"big": "x" * (256 * 1024)}),
     "metadata.annotations: Too long: may not be more than 262144 bytes"),
    ("ConfigMap", lambda o: o["metadata"].update(name="a/b"), "metadata.name: Invalid value: \"a/b\": may not contain '/'"),
    ("ConfigMap", lambda o: o["metadata"].update(ownerReferences=[{"kind": "ReplicaSet", "name": "x"}]),
     "metadata.ownerReferences[0].apiVersion: Required value"),
    ("ConfigMap", lambda o: o["metadata"].update(ownerReferences=[
        {"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1", "controller": True},
        {"apiVersion": "v1", "kind": "B", "name": "b", "uid": "2", "controller": True}]),
     "metadata.ownerReferences: Invalid value"),
    ("Namespace", lambda o: o["metadata"].update(name="team.a"), 'metadata.name: Invalid value: "team.a": a lowercase RFC 1123 label'),
    ("Node", lambda o: o["spec"]["taints"].append({"key": "x", "effect": "Never"}), 'spec.taints[1].effect: Unsupported value: "Never"'),
    ("Node", lambda o: o["spec"]["taints"].append({"key": "dedicated", "effect": "NoSchedule"}),
     'spec.taints[1]: Duplicate value: "dedicated:NoSchedule"'),
    ("Node", lambda o: o["spec"]["taints"].append({"effect": "NoSchedule"}), "spec.taints[1].key: Required value"),
    ("Node", lambda o: o["spec"].update(podCIDR="10.244.1.0"), 'spec.podCIDR: Invalid value: "10.244.1.0"'),
    ("Node", lambda o: o["status"]["capacity"].update(cpu="four"), 'status.capacity[cpu]: Invalid value: "four"'),
    ("ConfigMap", lambda o: o["data"].update({"bad key": "v"}), 'data[bad key]: Invalid value: "bad key": a valid config key'),
    ("ConfigMap", lambda o: o["data"].update(blob="dup"), 'data[blob]: Invalid value: "blob": duplicate of key present in binaryData'),
    ("ConfigMap", lambda o: o["data"].update(big="x" * (1024 * 1024 + 1)), "Too long: may not be more than 1048576 bytes"),
    ("Secret", lambda o: o["data"].update(password="not base64!"), "data[password]: Invalid value: \"<secret contents redacted>\": illegal base64 data"),
    ("Secret", lambda o: o.update(type="kubernetes.io/tls"), "data[tls.crt]: Required value"),
    ("Event", lambda o: o["involvedObject"].update(namespace="other"),
     'involvedObject.namespace: Invalid value: "other": does not match event.namespace'),
    ("Event", lambda o: o.pop("involvedObject"), "involvedObject: Required value"),
    ("Event", lambda o: o.update(type="Info"), 'type: Unsupported value: "Info": supported values: "Normal", "Warning"'),
    ("Lease", lambda o: o["spec"].update(leaseDurationSeconds=0), "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"),
    ("Lease", lambda o: o["spec"].update(holderIdentity=7), "spec.holderIdentity: Invalid value: 7: must be of type string"),
    ("PodDisruptionBudget", lambda o: o["spec"].update(maxUnavailable=1),
     "spec: Invalid value"),
    ("PodDisruptionBudget", lambda o: o["spec"].update(minAvailable="120%"),
     'spec.minAvailable: Invalid value: "120%": must not be greater than 100%'),
    ("PodDisruptionBudget", lambda o: o["spec"].update(minAvailable=-1),
     "spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"),
])
def test_bad_objects(kind: str, mutate: Any, expected: str) -> None:
    found = mutated(kind, mutate)
    assert any(m.startswith(expected) or expected in m for m in found), found


def test_pdb_both_set_message() -> None:
    found = mutated("PodDisruptionBudget", lambda o: o["spec"].update(maxUnavailable=1))
    assert any(m.endswith("minAvailable and maxUnavailable cannot be both set") for m in found)


def test_generate_name_replaces_name() -> None:
    obj = sample("ConfigMap")
    del obj["metadata"]["name"]
    obj["metadata"]["generateName"] = "cfg-"
    assert validate(obj) == []
    obj["metadata"]["generateName"] = "CFG-"
    assert any(m.startswith('metadata.generateName: Invalid value: "CFG-"') for m in messages(validate(obj)))


def test_immutable_config_map_data_cannot_change() -> None:
    old = sample("ConfigMap")
    old["immutable"] = True
    new = copy.deepcopy(old)
    new["data"]["app.conf"] = "x=2"
    assert "data: Forbidden: field is immutable when `immutable` is set" in messages(validate(new, old))
    new = copy.deepcopy(old)
    new["immutable"] = False
    assert "immutable: Forbidden: field is immutable when `immutable` is set" in messages(validate(new, old))


def test_secret_type_is_immutable() -> None:
    old = sample("Secret")
    new = copy.deepcopy(old)
    new["type"] = "kubernetes.io/basic-auth"
    new["data"]["username"] = "dXNlcg=="
    assert 'type: Invalid value: "kubernetes.io/basic-auth": field is immutable' in messages(validate(new, old))


def test_uid_is_immutable() -> None:
    old = sample("Lease")
    old["metadata"]["uid"] = "a"
    new = copy.deepcopy(old)
    new["metadata"]["uid"] = "b"
    assert 'metadata.uid: Invalid value: "b": field is immutable' in messages(validate(new, old))
