"""Projected volumes on the node: the API access volume's token (a real TokenRequest bound to
the pod, renewed at 80% of its lifetime), ca.crt and namespace, written to disk and rewritten
when the token is renewed; the token authenticates until its pod is gone."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import jwt
import pytest

from kube.api.registry import resolve
from kube.client.rest import RestClient
from kube.node.env_resolver import EnvResolver
from kube.node.pod_volumes import prepare_volumes, refresh_projected
from kube.node.projected_volumes import projected_files
from kube.node.runtime import ContainerConfigError, PodSandbox
from kube.node.service_account_tokens import ServiceAccountTokens
from tests.apiserver.conftest import ADMIN_TOKEN, Api, ca_file, eventually, pki_dir, write_kubeconfig  # noqa: F401
from tests.apiserver.service_accounts.conftest import admin, as_token, make_sa, sa_keys, sa_server  # noqa: F401

SANDBOX = PodSandbox("n1", "10.244.1.7", "192.0.2.1")
NS = "/api/v1/namespaces/default"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_api_access_volume_end_to_end(admin: Api, pki_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    await make_sa(admin, "default")
    await admin.post(f"{NS}/configmaps", {"metadata": {"name": "kube-root-ca.crt"}, "data": {"ca.crt": "CA PEM"}})
    code, pod = await admin.post(f"{NS}/pods", {"metadata": {"name": "p"}, "spec": {
        "containers": [{"name": "c", "image": "busybox"}]}})
    assert code == 201, pod
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", admin.server.url, ca_file(pki_dir), ADMIN_TOKEN)
    client = RestClient.from_kubeconfig(str(kubeconfig))
    try:
        resolver = EnvResolver(client)
        clock = Clock()
        resolver.tokens = ServiceAccountTokens(client, clock)
        config = await resolver.pod_config(pod, SANDBOX)
        assert not config.volume_error, config.volume_error
        (volume,) = pod["spec"]["volumes"]
        files = config.volume_data[volume["name"]]
        assert set(files) == {"token", "ca.crt", "namespace"}
        assert files["ca.crt"] == "CA PEM" and files["namespace"] == "default"
        claims = jwt.decode(files["token"], options={"verify_signature": False})
        assert claims["kubernetes.io"]["pod"]["uid"] == pod["metadata"]["uid"]
        assert claims["exp"] - claims["iat"] == 3607
        assert await as_token(admin, pki_dir, files["token"]) == 403  # authenticates (nothing is granted yet)

        paths = prepare_volumes(pod, str(tmp_path / "root"), config.volume_data)
        token_file = Path(paths[volume["name"]]) / "token"
        assert token_file.read_text() == files["token"]
        assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o644
        again = await resolver.pod_config(pod, SANDBOX)
        assert resolver.tokens.requests == 1 and refresh_projected(pod, paths, again.volume_data) == 0

        clock.now += 0.8 * 3607 + 1  # past 80% of its lifetime: renewed, and the file follows
        renewed = await resolver.pod_config(pod, SANDBOX)
        assert resolver.tokens.requests == 2
        assert renewed.volume_data[volume["name"]]["token"] != files["token"]
        assert refresh_projected(pod, paths, renewed.volume_data) == 1
        assert token_file.read_text() == renewed.volume_data[volume["name"]]["token"]

        await admin.delete(f"{NS}/pods/p")

        async def refused() -> bool:
            return await as_token(admin, pki_dir, token_file.read_text()) == 401
        assert await eventually(refused)
    finally:
        await client.close()


async def test_missing_account_or_ca_waits(admin: Api, pki_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    code, pod = await admin.post(f"{NS}/pods", {"metadata": {"name": "q"}, "spec": {
        "containers": [{"name": "c", "image": "busybox"}]}})  # no `default` account yet: admitted, mounted
    assert code == 201, pod
    client = RestClient.from_kubeconfig(str(write_kubeconfig(tmp_path / "kc", admin.server.url, ca_file(pki_dir),
                                                             ADMIN_TOKEN)))
    try:
        config = await EnvResolver(client).pod_config(pod, SANDBOX)
        assert 'configmap "kube-root-ca.crt" not found' in config.volume_error \
            or "failed to fetch token" in config.volume_error, config.volume_error
        cm = resolve("configmaps")
        assert cm is not None
        await client.create(cm, {"metadata": {"name": "kube-root-ca.crt", "namespace": "default"},
                                 "data": {"ca.crt": "x"}})
        config = await EnvResolver(client).pod_config(pod, SANDBOX)
        assert "failed to fetch token" in config.volume_error, config.volume_error
    finally:
        await client.close()


async def test_projected_sources_and_bad_ones() -> None:
    async def data_of(pod: Any, kind: str, name: str, optional: bool) -> dict[str, str] | None:
        if name == "missing":
            return None
        return {"a": f"{kind}-a", "b": f"{kind}-b"}

    async def token_of(pod: Any, audience: str, seconds: int) -> str:
        return f"tok:{audience}:{seconds}"

    volume = {"name": "v", "projected": {"sources": [
        {"serviceAccountToken": {"audience": "vault", "expirationSeconds": 7200, "path": "vault-token"}},
        {"configMap": {"name": "c", "items": [{"key": "a", "path": "dir/a.txt"}]}},
        {"secret": {"name": "s"}}, {"configMap": {"name": "missing", "optional": True}},
        {"downwardAPI": {"items": [{"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]}}]}}
    files = await projected_files({}, volume, data_of, token_of, lambda pod, field: f"<{field}>")
    assert files == {"vault-token": "tok:vault:7200", "dir/a.txt": "ConfigMap-a", "a": "Secret-a", "b": "Secret-b",
                     "name": "<metadata.name>"}
    for bad in ({"configMap": {"name": "c", "items": [{"key": "nope"}]}}, {"clusterTrustBundle": {}},
                {"downwardAPI": {"items": [{"path": "cpu", "resourceFieldRef": {"resource": "limits.cpu"}}]}}):
        with pytest.raises(ContainerConfigError):
            await projected_files({}, {"projected": {"sources": [bad]}}, data_of, token_of, lambda p, f: "")


def test_projected_paths_cannot_escape(tmp_path: Path) -> None:
    pod = {"metadata": {"uid": "u1"}, "spec": {"volumes": [{"name": "v", "projected": {"sources": []}}]}}
    with pytest.raises(ContainerConfigError):
        prepare_volumes(pod, str(tmp_path), {"v": {"../../etc/evil": "x"}})
