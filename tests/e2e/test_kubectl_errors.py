"""Bad input through the real kubectl: a short error naming the problem, a non-zero exit,
no traceback, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Kubectl


def _assert_short_error(stderr: str, *needles: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2 and lines[0].startswith(("error:", "Error from server", "The ")), stderr
    assert "Traceback" not in stderr and "goroutine" not in stderr
    for needle in needles:
        assert needle in stderr, (needle, stderr)


def test_malformed_yaml(kubectl: Kubectl, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n")
    result = kubectl("apply", "-f", str(bad), ok=False)
    assert result.returncode != 0
    _assert_short_error(result.stderr, "yaml")


def test_malformed_json_from_stdin(kubectl: Kubectl) -> None:
    result = kubectl("apply", "-f", "-", stdin='{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {', ok=False)
    assert result.returncode != 0
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr


@pytest.mark.parametrize(("api_version", "kind"), [("v1", "Gizmo"), ("nope.example.com/v1", "Widget")])
def test_unknown_kind_or_api_version(kubectl: Kubectl, namespace: str, api_version: str, kind: str) -> None:
    doc = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": namespace}}
    result = kubectl("apply", "-f", "-", stdin=json.dumps(doc), ok=False)
    assert result.returncode != 0
    _assert_short_error(result.stderr, f'no matches for kind "{kind}" in version "{api_version}"')


def test_server_side_validation_errors(kubectl: Kubectl, namespace: str) -> None:
    bad_name = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Not_Valid", "namespace": namespace}}
    result = kubectl("apply", "-f", "-", stdin=json.dumps(bad_name), ok=False)
    assert result.returncode != 0
    _assert_short_error(result.stderr, "Not_Valid", "metadata.name")
    no_containers = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "empty", "namespace": namespace},
                     "spec": {"containers": []}}
    result = kubectl("apply", "-f", "-", stdin=json.dumps(no_containers), ok=False)
    assert result.returncode != 0 and "spec.containers" in result.stderr and "Traceback" not in result.stderr
    wrong_type = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w", "namespace": namespace},
                  "spec": {"replicas": "two", "selector": {"matchLabels": {"a": "b"}},
                           "template": {"metadata": {"labels": {"a": "b"}},
                                        "spec": {"containers": [{"name": "c", "image": "i"}]}}}}
    result = kubectl("apply", "-f", "-", stdin=json.dumps(wrong_type), ok=False)
    assert result.returncode != 0 and "replicas" in result.stderr and "Traceback" not in result.stderr
    listed = kubectl("get", "all,cm", "-n", namespace, "-o", "name").stdout.split()
    assert not [n for n in listed if n.endswith(("/Not_Valid", "/empty", "/w"))]


def test_missing_object_and_wrong_token(kubectl: Kubectl, tmp_path: Path) -> None:
    result = kubectl("get", "configmap", "does-not-exist", ok=False)
    assert result.returncode != 0
    _assert_short_error(result.stderr, "NotFound", "does-not-exist")
    bad = tmp_path / "bad-kubeconfig"
    bad.write_text(kubectl.cluster.kubeconfig.read_text().replace('"token":"', '"token":"x'))
    result = kubectl("--kubeconfig", str(bad), "get", "pods", ok=False)
    assert result.returncode != 0 and "Unauthorized" in result.stderr
