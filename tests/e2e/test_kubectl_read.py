"""kubectl get (table, wide, yaml, json, -A, -l), describe, label and scale on both stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Kubectl
from tests.e2e.manifests import app


@pytest.fixture
def shop(kubectl: Kubectl, namespace: str, tmp_path: Path) -> Iterator[str]:
    """The app manifest applied in a fresh namespace."""
    manifest = tmp_path / "app.yaml"
    manifest.write_text(app(namespace).split("---\n", 1)[1])
    kubectl("apply", "-f", str(manifest))
    yield namespace


def _header(out: str) -> list[str]:
    return out.splitlines()[0].split()


def test_get_default_wide_yaml_json(kubectl: Kubectl, shop: str) -> None:
    out = kubectl("get", "deployments", "-n", shop).stdout
    assert _header(out) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert out.splitlines()[1].split()[:2] == ["web", "0/2"]
    wide = kubectl("get", "deployments", "-n", shop, "-o", "wide").stdout
    assert _header(wide)[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert "kube.local/busybox:1" in wide and "app=web" in wide
    svc = kubectl("get", "svc", "web", "-n", shop).stdout
    assert _header(svc) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert "ClusterIP" in svc and "80/TCP" in svc
    doc = yaml.safe_load(kubectl("get", "configmap", "settings", "-n", shop, "-o", "yaml").stdout)
    assert doc["kind"] == "ConfigMap" and doc["data"] == {"mode": "fast"}
    listed = json.loads(kubectl("get", "all", "-n", shop, "-o", "json").stdout)
    assert {(i["kind"], i["metadata"]["name"]) for i in listed["items"]} >= {("Deployment", "web"),
                                                                             ("Service", "web")}


def test_get_all_namespaces_and_label_selector(kubectl: Kubectl, shop: str) -> None:
    out = kubectl("get", "configmaps", "-A").stdout
    assert _header(out)[:2] == ["NAMESPACE", "NAME"]
    rows = [line.split()[:2] for line in out.splitlines()[1:]]
    assert [shop, "settings"] in rows
    ns = kubectl("get", "namespaces").stdout
    assert {"default", "kube-system", shop} <= {line.split()[0] for line in ns.splitlines()[1:]}
    kubectl("label", "configmap", "settings", "-n", shop, "tier=gold")
    assert kubectl("get", "cm", "-n", shop, "-l", "tier=gold", "-o", "name").stdout.split() == ["configmap/settings"]
    assert "No resources found" in kubectl("get", "cm", "-n", shop, "-l", "tier=silver").stderr
    assert kubectl("get", "cm", "-n", shop, "-l", "tier in (gold,silver)", "-o", "name").stdout.strip()


def test_label_overwrite_and_remove(kubectl: Kubectl, shop: str) -> None:
    assert "labeled" in kubectl("label", "deployment", "web", "-n", shop, "tier=gold").stdout
    refused = kubectl("label", "deployment", "web", "-n", shop, "tier=silver", ok=False)
    assert refused.returncode != 0 and "already has a value" in refused.stderr
    kubectl("label", "deployment", "web", "-n", shop, "tier=silver", "--overwrite")
    labels = json.loads(kubectl("get", "deploy", "web", "-n", shop, "-o", "json").stdout)["metadata"]["labels"]
    assert labels == {"app": "web", "tier": "silver"}
    kubectl("label", "deployment", "web", "-n", shop, "tier-")
    labels = json.loads(kubectl("get", "deploy", "web", "-n", shop, "-o", "json").stdout)["metadata"]["labels"]
    assert labels == {"app": "web"}


def test_describe_deployment_and_service(kubectl: Kubectl, shop: str) -> None:
    out = kubectl("describe", "deployment", "web", "-n", shop).stdout
    for expected in ("Name:", "Namespace:", shop, "Selector:", "app=web", "Replicas:", "kube.local/busybox:1"):
        assert expected in out, expected
    out = kubectl("describe", "service", "web", "-n", shop).stdout
    assert "Type:" in out and "ClusterIP" in out and "80/TCP" in out


def test_scale_sets_replicas_and_bumps_generation(kubectl: Kubectl, shop: str) -> None:
    assert "deployment.apps/web scaled" in kubectl("scale", "deployment", "web", "-n", shop, "--replicas=5").stdout
    dep = json.loads(kubectl("get", "deployment", "web", "-n", shop, "-o", "json").stdout)
    assert dep["spec"]["replicas"] == 5 and dep["metadata"]["generation"] == 2
    stale = kubectl("scale", "deployment", "web", "-n", shop, "--replicas=1", "--current-replicas=3", ok=False)
    assert stale.returncode != 0
    assert json.loads(kubectl("get", "deploy", "web", "-n", shop, "-o", "json").stdout)["spec"]["replicas"] == 5
