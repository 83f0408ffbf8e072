"""The real kubectl's --validate against the server's fieldValidation: strict (kubectl's default)
fails naming the unknown field's path and writes nothing; warn prunes and prints Kubernetes'
warning; valid manifests (examples/ included) pass strict validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import Kubectl

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
UNKNOWN = "spec.template.spec.containers[0].imagePullPolicyy"


def _deployment(namespace: str, name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1",
                                                           "imagePullPolicyy": "Always"}]}}}}


def _write(tmp_path: Path, doc: dict[str, Any]) -> str:
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


@pytest.mark.parametrize("flag", ["--validate=strict", "--validate=true", None])
def test_strict_apply_fails_naming_the_field_path(kubectl: Kubectl, namespace: str, tmp_path: Path,
                                                  flag: str | None) -> None:
    path = _write(tmp_path, _deployment(namespace, "typo"))
    result = kubectl("apply", *([flag] if flag else []), "-f", path, ok=False)
    assert result.returncode != 0
    assert f'strict decoding error: unknown field "{UNKNOWN}"' in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    missing = kubectl("get", "deployment", "typo", "-n", namespace, ok=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def test_strict_applies_to_a_change_of_an_existing_object(kubectl: Kubectl, namespace: str, tmp_path: Path) -> None:
    doc = _deployment(namespace, "later")
    container = doc["spec"]["template"]["spec"]["containers"][0]
    del container["imagePullPolicyy"]
    kubectl("apply", "-f", _write(tmp_path, doc))
    container["imagePullPolicyy"] = "Always"  # the change is a strategic merge patch
    result = kubectl("apply", "-f", _write(tmp_path, doc), ok=False)
    assert result.returncode != 0 and f'unknown field "{UNKNOWN}"' in result.stderr, result.stderr


def test_warn_prunes_and_prints_the_warning(kubectl: Kubectl, namespace: str, tmp_path: Path) -> None:
    result = kubectl("apply", "--validate=warn", "-f", _write(tmp_path, _deployment(namespace, "warned")))
    assert f'Warning: unknown field "{UNKNOWN}"' in result.stderr, result.stderr
    stored = json.loads(kubectl("get", "deployment", "warned", "-n", namespace, "-o", "json").stdout)
    assert "imagePullPolicyy" not in stored["spec"]["template"]["spec"]["containers"][0]


def test_ignore_prunes_silently(kubectl: Kubectl, namespace: str, tmp_path: Path) -> None:
    result = kubectl("apply", "--validate=false", "-f", _write(tmp_path, _deployment(namespace, "quiet")))
    assert "Warning" not in result.stderr
    stored = json.loads(kubectl("get", "deployment", "quiet", "-n", namespace, "-o", "json").stdout)
    assert "imagePullPolicyy" not in stored["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("manifest", sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.yaml")))
def test_the_examples_pass_strict_validation(kubectl: Kubectl, namespace: str, manifest: str) -> None:
    result = kubectl("apply", "--validate=strict", "--dry-run=server", "-n", namespace, "-f",
                     str(EXAMPLES / manifest))
    assert "Warning" not in result.stderr, result.stderr
