"""Pod validation: every error names the field path and Kubernetes' reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube.api.validation import validate
from tests.api.validation.validation_objects import messages, sample


def pod_with(mutate: Any) -> dict[str, Any]:
    obj = sample("Pod")
    mutate(obj)
    return obj


def c0(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["containers"][0]


def test_sample_pod_is_valid() -> None:
    assert validate(sample("Pod")) == []
    assert validate(sample("Pod", defaulted=False)) == []


CASES = [
    (lambda o: o["spec"].update(containers=[]), "spec.containers: Required value"),
    (lambda o: c0(o).pop("image"), "spec.containers[0].image: Required value"),
    (lambda o: c0(o).update(name="Web"), 'spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label'),
    (lambda o: o["spec"]["containers"].append(copy.deepcopy(c0(o)) | {"ports": []}),
     'spec.containers[1].name: Duplicate value: "web"'),
    (lambda o: c0(o)["ports"][0].update(containerPort=70000),
     "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"),
    (lambda o: c0(o)["ports"][0].pop("containerPort"), "spec.containers[0].ports[0].containerPort: Required value"),
    (lambda o: c0(o)["ports"][0].update(protocol="HTTP"),
     'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'),
    (lambda o: c0(o)["ports"].append({"containerPort": 80, "protocol": "TCP"}),
     'spec.containers[0].ports[1].containerPort: Duplicate value: "80/TCP"'),
    (lambda o: c0(o)["ports"][0].update(name="http--x"),
     'spec.containers[0].ports[0].name: Invalid value: "http--x": must not contain consecutive hyphens'),
    (lambda o: c0(o)["env"].append({"name": "1BAD"}),
     'spec.containers[0].env[1].name: Invalid value: "1BAD": a valid environment variable name'),
    (lambda o: c0(o)["env"].append({"name": "A", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}),
     'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty'),
    (lambda o: c0(o)["resources"]["limits"].update(cpu="lots"),
     'spec.containers[0].resources.limits[cpu]: Invalid value: "lots": quantities must match the regular expression'),
    (lambda o: c0(o)["resources"]["requests"].update(cpu="2"),
     'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1'),
    (lambda o: c0(o)["resources"]["requests"].update(memory="-1Mi"),
     'spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0'),
    (lambda o: c0(o)["resources"]["requests"].update(gpu="1"),
     'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified'),
    (lambda o: c0(o).update(readinessProbe={"periodSeconds": 3}),
     "spec.containers[0].readinessProbe: Required value: must specify a handler type"),
    (lambda o: c0(o).update(livenessProbe={"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}}),
     "spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"),
    (lambda o: c0(o).update(livenessProbe={"tcpSocket": {"port": 80}, "successThreshold": 2}),
     "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"),
    (lambda o: c0(o)["volumeMounts"].append({"name": "missing", "mountPath": "/m"}),
     'spec.containers[0].volumeMounts[1].name: Not found: "missing"'),
    (lambda o: o["spec"]["volumes"].append({"name": "data", "emptyDir": {}}),
     'spec.volumes[1].name: Duplicate value: "data"'),
    (lambda o: o["spec"]["volumes"].append({"name": "two", "emptyDir": {}, "hostPath": {"path": "/x"}}),
     "spec.volumes[1].emptyDir: Forbidden: may not specify more than 1 volume type"),
    (lambda o: o["spec"].update(volumes=[{"name": "data"}]), "spec.volumes[0]: Required value: must specify a volume type"),
    (lambda o: o["spec"].update(restartPolicy="Sometimes"),
     'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
    (lambda o: o["spec"].update(nodeSelector={"bad key!": "x"}), 'spec.nodeSelector: Invalid value: "bad key!"'),
    (lambda o: o["spec"].update(tolerations=[{"key": "k", "operator": "Maybe"}]),
     'spec.tolerations[0].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"'),
    (lambda o: o["spec"].update(tolerations=[{"key": "k", "effect": "Sometimes"}]),
     'spec.tolerations[0].effect: Unsupported value: "Sometimes"'),
    (lambda o: o["spec"].update(tolerations=[{"operator": "Equal", "value": "v"}]),
     "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty"),
    (lambda o: o["spec"].update(tolerations=[{"key": "k", "operator": "Exists", "value": "v"}]),
     "value must be empty when `operator` is 'Exists'"),
    (lambda o: o["spec"].update(tolerations=[{"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5}]),
     "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"),
    (lambda o: o["spec"].update(topologySpreadConstraints=[{"maxSkew": 0, "topologyKey": "zone",
                                                            "whenUnsatisfiable": "DoNotSchedule"}]),
     "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"),
    (lambda o: o["spec"].update(topologySpreadConstraints=[{"maxSkew": 1, "whenUnsatisfiable": "Never"}]),
     "spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty"),
    (lambda o: o["spec"].update(topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone",
                                                            "whenUnsatisfiable": "Never"}]),
     'spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "Never": supported values: '
     '"DoNotSchedule", "ScheduleAnyway"'),
]


@pytest.mark.parametrize(("mutate", "expected"), CASES)
def test_bad_pods_report_path_and_reason(mutate: Any, expected: str) -> None:
    found = messages(validate(pod_with(mutate)))
    assert any(m.startswith(expected) or expected in m for m in found), found


def _affinity(expr: dict[str, Any]) -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [expr]}]}}}


_EXPR = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]"


@pytest.mark.parametrize(("expr", "expected"), [
    ({"key": "zone", "operator": "In", "values": ["a"]}, None),
    ({"key": "zone", "operator": "Exists"}, None),
    ({"key": "cpu", "operator": "Gt", "values": ["4"]}, None),
    ({"key": "zone", "operator": "In"}, f"{_EXPR}.values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
    ({"key": "zone", "operator": "Exists", "values": ["a"]},
     f"{_EXPR}.values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
    ({"key": "cpu", "operator": "Lt", "values": ["1", "2"]},
     f"{_EXPR}.values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"),
    ({"key": "cpu", "operator": "Gt", "values": ["four"]}, f'{_EXPR}.values[0]: Invalid value: "four": must be an integer'),
    ({"key": "zone", "operator": "Near", "values": ["a"]}, f'{_EXPR}.operator: Unsupported value: "Near"'),
])
def test_node_affinity_operators(expr: dict[str, Any], expected: str | None) -> None:
    found = messages(validate(pod_with(lambda o: o["spec"].update(affinity=_affinity(expr)))))
    if expected is None:
        assert found == []
    else:
        assert any(m.startswith(expected) for m in found), found


def test_pod_affinity_needs_topology_key_and_weight_in_range() -> None:
    affinity = {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": {"matchLabels": {"app": "web"}}}],
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 101, "podAffinityTerm": {"topologyKey": "zone"}}]}}
    found = messages(validate(pod_with(lambda o: o["spec"].update(affinity=affinity))))
    assert ("spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: "
            "Required value: can not be empty") in found
    assert ("spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: "
            "Invalid value: 101: must be in the range 1-100") in found


@pytest.mark.parametrize(("path", "value", "expected"), [
    (("spec", "containers"), {"name": "x"}, 'spec.containers: Invalid value: {"name":"x"}: must be of type array'),
    (("spec", "containers", 0, "ports", 0, "containerPort"), "80",
     'spec.containers[0].ports[0].containerPort: Invalid value: "80": must be of type int32'),
    (("spec", "containers", 0, "image"), ["nginx"], 'spec.containers[0].image: Invalid value: ["nginx"]: must be of type string'),
    (("spec", "nodeSelector"), ["a"], 'spec.nodeSelector: Invalid value: ["a"]: must be of type object'),
    (("spec", "terminationGracePeriodSeconds"), True, "spec.terminationGracePeriodSeconds: Invalid value: true: must be of type int64"),
    (("spec",), "nope", 'spec: Invalid value: "nope": must be of type object'),
    (("metadata", "labels"), {"app": 5}, "metadata.labels[app]: Invalid value: 5: must be of type string"),
])
def test_wrong_types_are_field_type_errors(path: tuple[Any, ...], value: Any, expected: str) -> None:
    obj = sample("Pod")
    target = obj
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    errors = validate(obj)
    assert expected in messages(errors), messages(errors)
    assert all(e.type != "InternalError" for e in errors)


def test_pod_update_allows_image_and_toleration_additions_only() -> None:
    old = sample("Pod")
    new = copy.deepcopy(old)
    c0(new)["image"] = "nginx:1.26"
    new["spec"]["tolerations"] = [{"key": "k", "operator": "Exists"}]
    new["spec"]["activeDeadlineSeconds"] = 60
    assert validate(new, old) == []
    changed = copy.deepcopy(old)
    c0(changed)["ports"][0]["containerPort"] = 81
    found = messages(validate(changed, old))
    assert any(m.startswith("spec: Forbidden: pod updates may not change fields other than") for m in found)


def test_pod_update_may_not_rename() -> None:
    old = sample("Pod")
    new = copy.deepcopy(old)
    new["metadata"]["name"] = "other"
    assert 'metadata.name: Invalid value: "other": field is immutable' in messages(validate(new, old))


def test_pod_update_deadline_may_only_shrink() -> None:
    old = sample("Pod")
    old["spec"]["activeDeadlineSeconds"] = 30
    new = copy.deepcopy(old)
    new["spec"]["activeDeadlineSeconds"] = 60
    assert ("spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value"
            in messages(validate(new, old)))
