"""The patch strategy table agrees with the tags of Kubernetes' Go types."""

from __future__ import annotations

import pytest

from kube.api.patch import strategy_for

TEMPLATE = ("spec", "template", "spec")


@pytest.mark.parametrize(
    ("kind", "path", "expected"),
    [
        ("Pod", ("spec", "containers"), ("merge", "name")),
        ("Pod", ("spec", "initContainers"), ("merge", "name")),
        ("Pod", ("spec", "ephemeralContainers"), ("merge", "name")),
        ("Pod", ("spec", "volumes"), ("merge,retainKeys", "name")),
        ("Pod", ("spec", "imagePullSecrets"), ("merge", "name")),
        ("Pod", ("spec", "hostAliases"), ("merge", "ip")),
        ("Pod", ("spec", "tolerations"), (None, None)),
        ("Pod", ("spec", "topologySpreadConstraints"), ("merge", "topologyKey")),
        ("Pod", ("spec", "containers", "ports"), ("merge", "containerPort")),
        ("Pod", ("spec", "containers", "env"), ("merge", "name")),
        ("Pod", ("spec", "containers", "volumeMounts"), ("merge", "mountPath")),
        ("Pod", ("spec", "containers", "volumeDevices"), ("merge", "devicePath")),
        ("Pod", ("spec", "containers", "args"), (None, None)),
        ("Pod", ("metadata", "finalizers"), ("merge", None)),
        ("Pod", ("metadata", "ownerReferences"), ("merge", "uid")),
        ("Pod", ("status", "conditions"), ("merge", "type")),
        ("Node", ("spec", "taints"), (None, None)),
        ("Node", ("spec", "podCIDRs"), ("merge", None)),
        ("Node", ("status", "conditions"), ("merge", "type")),
        ("Node", ("status", "addresses"), ("merge", "type")),
        ("Service", ("spec", "ports"), ("merge", "port")),
        ("Deployment", TEMPLATE + ("containers",), ("merge", "name")),
        ("Deployment", TEMPLATE + ("initContainers", "env"), ("merge", "name")),
        ("Deployment", ("spec", "template", "metadata", "finalizers"), ("merge", None)),
        ("Deployment", ("spec", "strategy"), ("retainKeys", None)),
        ("Deployment", ("status", "conditions"), ("merge", "type")),
        ("ReplicaSet", TEMPLATE + ("volumes",), ("merge,retainKeys", "name")),
        ("ReplicaSet", ("status", "conditions"), ("merge", "type")),
        ("PodDisruptionBudget", ("spec", "selector"), ("replace", None)),
        ("ConfigMap", ("data",), (None, None)),
        ("SomethingElse", ("spec", "containers"), (None, None)),
    ],
)
def test_strategy_for(kind: str, path: tuple[str, ...], expected: tuple[str | None, str | None]) -> None:
    assert strategy_for(kind, path) == expected
