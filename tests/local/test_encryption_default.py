"""`kube up` encrypts Secrets at rest by default: a key generated once under .cluster/pki
(0600), and the API server started with --encryption-provider-config naming it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from kube.apiserver.storage.encryption_config import load
from kube.local.credentials import ensure_admin
from kube.local.layout import ClusterDir
from kube.local.plan import ENCRYPTION_CONFIG, UpOptions, components
from tests.conftest import free_port
from tests.local.local_cluster import KUBECTL, LocalCluster
from tests.local.test_plan import parse_as_kube


def test_up_generates_one_private_key_and_passes_it(tmp_path: Path) -> None:
    cluster = ClusterDir(tmp_path)
    cluster.create()
    ensure_admin(cluster, 7443)
    path = cluster.pki / ENCRYPTION_CONFIG
    assert os.stat(path).st_mode & 0o777 == 0o600
    first = path.read_text()
    ensure_admin(cluster, 7443)  # a second `kube up` keeps the key: the stored Secrets stay readable
    assert path.read_text() == first
    chains = load(str(path))
    assert list(chains) == ["/registry/secrets/"]
    assert chains["/registry/secrets/"].encrypt(b"x", b"k").startswith(b"k8s:enc:aescbc:v1:key1:")
    apiserver = next(c for c in components(cluster, UpOptions(port=7443), "simulated") if c.name == "apiserver")
    assert parse_as_kube(apiserver.argv).encryption_provider_config == str(path)


@pytest.mark.slow
def test_make_up_cluster_keeps_secrets_encrypted(tmp_path: Path) -> None:
    """`kube up` end to end: a Secret applied with kubectl is in no byte of .cluster's store files."""
    cluster = LocalCluster(tmp_path / "cluster", free_port(), tmp_path / "kcache")
    up = cluster.up("--runtime", "simulated", "--nodes", "1")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        marker = "up-" + uuid.uuid4().hex
        manifest = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                               "data": {"password": base64.b64encode(marker.encode()).decode()}})
        proc = subprocess.run([KUBECTL, "--kubeconfig", str(cluster.kubeconfig), "--cache-dir", str(cluster.cache),
                               "apply", "-f", "-"], input=manifest, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        got = cluster.kubectl("get", "secret", "db", "-o", "jsonpath={.data.password}").stdout
        assert base64.b64decode(got).decode() == marker
    finally:
        assert cluster.down().returncode == 0
    files = sorted((tmp_path / "cluster").glob("state.db*"))
    needles = (marker.encode(), base64.b64encode(marker.encode()))
    assert files and not [f for f in files if any(n in f.read_bytes() for n in needles)]
