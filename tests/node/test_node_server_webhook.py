"""--authorization-mode Webhook against a real API server (Node,RBAC): the node asks with its own
credentials (system:node may create SubjectAccessReviews), a user bound to nodes/proxy may exec
directly on the node's server, one without is 403 in the kubelet's words, and another node's
certificate stays refused."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import WSMsgType
from prometheus_client import CollectorRegistry

from kube.apiserver.auth.pki import ensure_pki, issue_client_cert, issue_serving_cert
from kube.apiserver.server import APIServer
from kube.client.rest import RestClient
from kube.node import command
from kube.node.log_server import make_app, serve, tls_context
from tests.apiserver.conftest import ADMIN_TOKEN, client_session, server_config

NODE_TOKEN = "node1-token-0123456789"
POD = {"metadata": {"name": "p", "namespace": "default", "uid": "u1"}, "spec": {"nodeName": "n1"}}


class StubRuntime:
    """The Docker id of the pod's one container ("main"); the exec server runs the process itself."""

    name = "docker"

    def __init__(self, docker_id: str) -> None:
        self.docker_id, self.docker = docker_id, object()

    async def latest_container_id(self, uid: str, container: str) -> str:
        return self.docker_id if container == "main" else ""


@pytest.fixture
async def cluster(tmp_path: Path, container: str) -> AsyncIterator[SimpleNamespace]:
    """An API server with Node,RBAC and the node's server in Webhook mode, sharing one CA."""
    pki = tmp_path / "pki"
    paths = ensure_pki(str(pki), ["127.0.0.1", "localhost"])
    issue_serving_cert(paths, ["127.0.0.1"], str(pki / "node.crt"), str(pki / "node.key"), cn="n1")
    for cn, groups in (("jane", []), ("bob", []), ("system:node:n2", ["system:nodes"])):
        issue_client_cert(paths, cn, groups, str(pki / f"{cn}.crt"), str(pki / f"{cn}.key"))
    tokens = tmp_path / "tokens.csv"
    tokens.write_text(f'{ADMIN_TOKEN},kube-admin,kube-admin,"system:masters"\n'
                      f'{NODE_TOKEN},system:node:n1,system:node:n1,"system:nodes"\n')
    api = APIServer(server_config(pki, tmp_path, token_auth_file=str(tokens), authorization_mode="Node,RBAC"))
    await api.start()
    kubeconfig = tmp_path / "node.kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "n",
        "clusters": [{"name": "c", "cluster": {"server": api.url, "certificate-authority": paths.ca_cert}}],
        "users": [{"name": "n1", "user": {"token": NODE_TOKEN}}],
        "contexts": [{"name": "n", "context": {"cluster": "c", "user": "n1"}}]}))
    client = RestClient.from_kubeconfig(str(kubeconfig))
    flags = SimpleNamespace(authorization_mode="Webhook", client_ca_file=paths.ca_cert,
                            authentication_token_webhook=False,
                            authorization_webhook_cache_authorized_ttl=300.0,
                            authorization_webhook_cache_unauthorized_ttl=30.0)
    door = command._door(flags, client)  # type: ignore[arg-type]
    agents: dict[str, Any] = {"n1": SimpleNamespace(name="n1", runtime=StubRuntime(container))}
    app = make_app(agents, lambda ns, name: POD if (ns, name) == ("default", "p") else None, True,
                   registry=CollectorRegistry(), door=door)
    runner = await serve(app, "127.0.0.1", 0, tls_context(str(pki / "node.crt"), str(pki / "node.key"),
                                                          paths.ca_cert))
    try:
        async with client_session(api.url, paths.ca_cert, ADMIN_TOKEN) as admin:
            yield SimpleNamespace(pki=pki, ca=paths.ca_cert, admin=admin, door=door,
                                  node=f"https://127.0.0.1:{runner.addresses[0][1]}")
    finally:
        await runner.cleanup()
        await client.close()
        await api.stop()


async def grant_node_proxy(admin: aiohttp.ClientSession, user: str) -> None:
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "node-proxy"},
            "rules": [{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get", "create"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": f"node-proxy-{user}"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "node-proxy"},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]}
    for path, body in (("/apis/rbac.authorization.k8s.io/v1/clusterroles", role),
                       ("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", binding)):
        async with admin.post(path, json=body) as resp:
            assert resp.status == 201, await resp.text()


async def exec_as(cluster: SimpleNamespace, identity: str, command_query: str) -> tuple[int, dict[int, bytes]]:
    """(HTTP status, output per channel) of an exec on the node's server with `identity`'s certificate;
    a refusal's Status is put on channel 3."""
    ctx = ssl.create_default_context(cafile=cluster.ca)
    ctx.load_cert_chain(cluster.pki / f"{identity}.crt", cluster.pki / f"{identity}.key")
    out: dict[int, bytes] = {}
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(f"{cluster.node}/exec/default/p/main?{command_query}", ssl=ctx,
                                          protocols=("v5.channel.k8s.io",)) as ws:
                async for msg in ws:
                    if msg.type != WSMsgType.BINARY:
                        break
                    out[msg.data[0]] = out.get(msg.data[0], b"") + msg.data[1:]
                return 101, out
        except aiohttp.WSServerHandshakeError as exc:
            async with session.get(f"{cluster.node}/exec/default/p/main?{command_query}", ssl=ctx) as resp:
                return exc.status, {3: await resp.read()}


async def test_a_user_bound_to_nodes_proxy_may_exec_directly(cluster: SimpleNamespace) -> None:
    await grant_node_proxy(cluster.admin, "jane")
    status, out = await exec_as(cluster, "jane", "command=sh&command=-c&command=echo%20hi%3B%20exit%203&stdout=true")
    assert status == 101 and out[1] == b"hi\n", out
    assert orjson.loads(out[3])["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    assert cluster.door.reviews == 1  # the node could ask: system:node may create SubjectAccessReviews


async def test_a_user_without_it_and_another_node_are_refused(cluster: SimpleNamespace) -> None:
    await grant_node_proxy(cluster.admin, "jane")
    for identity in ("bob", "system:node:n2"):
        status, out = await exec_as(cluster, identity, "command=true&stdout=true")
        body = orjson.loads(out[3])
        assert status == 403 and body["reason"] == "Forbidden", body
        assert body["message"] == f"Forbidden (user={identity}, verb=get, resource=nodes, subresource(s)=[proxy])"
    assert cluster.door.reviews == 2  # the second GET of each refusal came from the cache
