"""`kube up`'s ServiceAccount signing key: made once with the cluster's credentials, private,
kept across `kube up` runs (tokens already issued stay valid), and usable by the API server."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kube.apiserver.auth.serviceaccount_tokens import from_flags
from kube.local.credentials import ensure_admin
from kube.local.layout import ClusterDir


def test_signing_key_made_once_and_private(tmp_path: Path) -> None:
    cluster = ClusterDir(tmp_path)
    ensure_admin(cluster, 7443)
    key, pub = cluster.pki / "sa.key", cluster.pki / "sa.pub"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    first = key.read_bytes()
    ensure_admin(cluster, 7443)
    assert key.read_bytes() == first
    tokens = from_flags(str(key), [str(pub)], "", [])
    assert tokens is not None and tokens.signer is not None


def test_apiserver_gets_the_service_account_flags(tmp_path: Path) -> None:
    from kube.local.plan import UpOptions, components

    cluster = ClusterDir(tmp_path)
    api = next(c for c in components(cluster, UpOptions(port=7443), "docker") if c.name == "apiserver")
    flags = dict(zip(api.argv, api.argv[1:], strict=False))
    assert flags["--service-account-signing-key-file"] == str(cluster.pki / "sa.key")
    assert flags["--service-account-key-file"] == str(cluster.pki / "sa.pub")
    assert flags["--service-account-issuer"] == "https://kubernetes.default.svc.cluster.local"
