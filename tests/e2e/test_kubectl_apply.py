"""The real kubectl's apply cycle on both stores: created, unchanged, configured,
server-side (also after client-side), delete -f; with default (server) validation."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Kubectl
from tests.e2e.manifests import app

KINDS = ("namespace", "configmap", "deployment.apps", "service")


def _lines(out: str) -> dict[str, str]:
    """`kind/name verb` lines as {kind/name: verb}."""
    return dict(line.rsplit(" ", 1) for line in out.strip().splitlines())


def test_apply_created_unchanged_configured_then_delete(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(app("shop", "1"))
    out = _lines(kubectl("apply", "-f", str(manifest)).stdout)
    assert out == {"namespace/shop": "created", "configmap/settings": "created",
                   "deployment.apps/web": "created", "service/web": "created"}
    assert set(_lines(kubectl("apply", "-f", str(manifest)).stdout).values()) == {"unchanged"}

    manifest.write_text(app("shop", "2"))
    out = _lines(kubectl("apply", "-f", str(manifest)).stdout)
    assert out["deployment.apps/web"] == "configured" and out["configmap/settings"] == "unchanged"
    dep = json.loads(kubectl("get", "deployment", "web", "-n", "shop", "-o", "json").stdout)
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "kube.local/busybox:2"
    assert dep["metadata"]["generation"] == 2
    assert "kubectl.kubernetes.io/last-applied-configuration" in dep["metadata"]["annotations"]

    # server-side apply over a client-side applied object keeps the spec (kubectl-last-applied carries metadata)
    out = _lines(kubectl("apply", "--server-side", "-f", str(manifest)).stdout)
    assert set(out.values()) == {"serverside-applied"} and len(out) == 4
    dep = json.loads(kubectl("get", "deployment", "web", "-n", "shop", "-o", "json", "--show-managed-fields").stdout)
    assert dep["spec"]["replicas"] == 2 and dep["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "kube.local/busybox:2"
    assert "kubectl" in {m["manager"] for m in dep["metadata"]["managedFields"]}
    svc = json.loads(kubectl("get", "service", "web", "-n", "shop", "-o", "json").stdout)
    assert svc["spec"]["clusterIP"].startswith("10.") and svc["spec"]["ports"][0]["port"] == 80

    out = kubectl("delete", "-f", str(manifest), "--wait=false").stdout
    assert {line.split(" ", 1)[0] for line in out.strip().splitlines()} == {
        "namespace", "configmap", "deployment.apps", "service"} or "deleted" in out
    for kind, name in (("configmap", "settings"), ("deployment", "web"), ("service", "web")):
        missing = kubectl("get", kind, name, "-n", "shop", ok=False)
        assert missing.returncode != 0 and "NotFound" in missing.stderr, (kind, missing.stderr)


def test_server_side_apply_creates_and_reapplies(kubectl: Kubectl, namespace: str, tmp_path: Path) -> None:
    manifest = tmp_path / "ssa.yaml"
    documents = app(namespace, "1").split("---\n", 1)[1]  # without the Namespace: the fixture made it
    manifest.write_text(documents)
    out = _lines(kubectl("apply", "--server-side", "-f", str(manifest)).stdout)
    assert out == {"configmap/settings": "serverside-applied", "deployment.apps/web": "serverside-applied",
                   "service/web": "serverside-applied"}
    manifest.write_text(documents.replace("busybox:1", "busybox:3"))
    kubectl("apply", "--server-side", "-f", str(manifest))
    dep = json.loads(kubectl("get", "deployment", "web", "-n", namespace, "-o", "json").stdout)
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "kube.local/busybox:3"
    assert dep["metadata"]["generation"] == 2
    # a client-side apply afterwards takes the object over without a conflict
    out = _lines(kubectl("apply", "-f", str(manifest)).stdout)
    assert out["deployment.apps/web"] in ("configured", "unchanged")


def test_apply_from_stdin_json(kubectl: Kubectl, namespace: str) -> None:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-stdin", "namespace": namespace},
           "data": {"a": "1"}}
    assert "configmap/from-stdin created" in kubectl("apply", "-f", "-", stdin=json.dumps(doc)).stdout
    got = json.loads(kubectl("get", "cm", "from-stdin", "-n", namespace, "-o", "json").stdout)
    assert got["data"] == {"a": "1"}
