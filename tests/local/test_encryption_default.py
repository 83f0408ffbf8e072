"""`kube up` encrypts Secrets at rest by default: a key generated once under .cluster/pki
(0600), and the API server started with --encryption-provider-config naming it."""

from __future__ import annotations

import os
from pathlib import Path

from kube.apiserver.storage.encryption_config import load
from kube.local.credentials import ensure_admin
from kube.local.layout import ClusterDir
from kube.local.plan import ENCRYPTION_CONFIG, UpOptions, components
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
