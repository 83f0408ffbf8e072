"""A pod on a real Docker node reads its ServiceAccount token, ca.crt and namespace at
/var/run/secrets/kubernetes.io/serviceaccount, and the token authenticates until the pod
is gone. The API server here issues tokens (a signing key); the node uses admin credentials,
since the fixed authorizer grants nodes no TokenRequest (the Node authorizer does)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kube.api.registry import resolve
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, ca_file, client_session, eventually, server_config
from tests.apiserver.service_accounts.conftest import sa_keys  # noqa: F401 - fixture
from tests.node.cluster import POD
from tests.node.conftest import DockerNode
from tests.node.test_docker_pods import docker_exec, pod, running_ready, sh, wait_pod

MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


@pytest.fixture
async def server(pki_dir: Path, tmp_path: Path, sa_keys: tuple[Path, Path]) -> AsyncIterator[APIServer]:  # noqa: F811
    srv = APIServer(server_config(pki_dir, tmp_path, service_account_signing_key_file=str(sa_keys[0])))
    await srv.start()
    yield srv
    await srv.stop()


async def status_with(server: APIServer, pki_dir: Path, token: str) -> int:
    async with client_session(server.url, ca_file(pki_dir), token) as session:
        async with session.get("/api/v1/namespaces/default/pods") as resp:
            return resp.status


async def test_pod_reads_and_uses_its_token(docker_node: DockerNode, server: APIServer, pki_dir: Path) -> None:
    client = docker_node.client
    await client.create(resolve("serviceaccounts"), {"metadata": {"name": "default"}}, "default")
    await client.create(resolve("configmaps"), {"metadata": {"name": "kube-root-ca.crt"},
                                                "data": {"ca.crt": (pki_dir / "ca.crt").read_text()}}, "default")
    await client.create(POD, pod("sa-pod", docker_node.name, [sh("app", "sleep 3600")]), "default")
    p = await wait_pod(docker_node, "sa-pod", running_ready)
    token = docker_exec(p, "app", f"cat {MOUNT}/token")
    assert token.count(".") == 2, token
    assert docker_exec(p, "app", f"cat {MOUNT}/namespace") == "default"
    assert docker_exec(p, "app", f"cat {MOUNT}/ca.crt") == (pki_dir / "ca.crt").read_text()
    assert "Read-only file system" in docker_exec(p, "app", f"echo x > {MOUNT}/token 2>&1")
    assert await status_with(server, pki_dir, token) == 403  # authenticated as the pod's account
    assert await status_with(server, pki_dir, ADMIN_TOKEN) == 200

    await client.delete(POD, "sa-pod", "default", grace_period_seconds=0)

    async def refused() -> bool:
        return await status_with(server, pki_dir, token) == 401
    assert await eventually(refused, timeout=30)
