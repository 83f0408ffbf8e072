"""A real API server (Node,RBAC, ServiceAccount tokens) and the node's server of node n1 in front
of a Docker container, wired as `kube node` wires them (command._door: Webhook authorization and
the token webhook): for tests of who may call the node's server directly or through the API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry

from kube.apiserver.auth.pki import ensure_pki, issue_client_cert, issue_serving_cert
from kube.apiserver.server import APIServer
from kube.client.rest import RestClient
from kube.node import command
from kube.node.log_server import make_app, serve, tls_context
from kube.node.stats_server import add_stats_routes
from tests.apiserver.conftest import ADMIN_TOKEN, client_session, server_config, write_kubeconfig
from tests.apiserver.service_accounts.conftest import write_key

NODE_TOKEN = "node1-token-0123456789"
POD = {"metadata": {"name": "p", "namespace": "default", "uid": "u1"}, "spec": {"nodeName": "n1"}}
SUMMARY = {"node": {"nodeName": "n1"}, "pods": []}
LOG = b"hello from main\n"


class StubRuntime:
    """The pod's one container "main" is a real Docker container (exec runs there); logs and
    stats are canned: what is tested is the door, not the runtime."""

    name = "docker"

    def __init__(self, docker_id: str) -> None:
        self.docker_id, self.docker = docker_id, object()
        self.stats = SimpleNamespace(summary=lambda: SUMMARY)

    async def latest_container_id(self, uid: str, container: str) -> str:
        return self.docker_id if container == "main" else ""

    async def logs(self, pod: Any, container: str, follow: bool, tail: int | None) -> AsyncIterator[bytes]:
        if container != "main":
            raise LookupError(f'container "{container}" is not in pod "p"')
        yield LOG


class NodeServerCluster:
    """Start with `start()`; `stop_api()` / `start_api()` take the API server away and back."""

    def __init__(self, tmp: Path, docker_id: str) -> None:
        self.tmp, self.docker_id = tmp, docker_id
        self.pki = tmp / "pki"
        self.paths = ensure_pki(str(self.pki), ["127.0.0.1", "localhost"])
        self.ca = self.paths.ca_cert
        write_key(tmp / "sa.key")
        tokens = tmp / "tokens.csv"
        tokens.write_text(f'{ADMIN_TOKEN},kube-admin,kube-admin,"system:masters"\n'
                          f'{NODE_TOKEN},system:node:n1,system:node:n1,"system:nodes"\n')
        self.config = server_config(self.pki, tmp, token_auth_file=str(tokens), authorization_mode="Node,RBAC",
                                    service_account_signing_key_file=str(tmp / "sa.key"))
        self.api: APIServer | None = None

    def issue(self, cn: str, groups: list[str] | None = None) -> None:
        issue_client_cert(self.paths, cn, groups or [], str(self.pki / f"{cn}.crt"), str(self.pki / f"{cn}.key"))

    async def start_api(self) -> None:
        self.api = APIServer(self.config)
        await self.api.start()

    async def stop_api(self) -> None:
        if self.api is not None:
            await self.api.stop()
            self.api = None

    async def start(self) -> None:
        issue_serving_cert(self.paths, ["127.0.0.1"], str(self.pki / "node.crt"), str(self.pki / "node.key"), cn="n1")
        await self.start_api()
        assert self.api is not None
        self.url = self.api.url
        (self.tmp / "node.kubeconfig").write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "n",
            "clusters": [{"name": "c", "cluster": {"server": self.url, "certificate-authority": self.ca}}],
            "users": [{"name": "n1", "user": {"token": NODE_TOKEN}}],
            "contexts": [{"name": "n", "context": {"cluster": "c", "user": "n1"}}]}))
        self.client = RestClient.from_kubeconfig(str(self.tmp / "node.kubeconfig"))
        flags = SimpleNamespace(authorization_mode="Webhook", client_ca_file=self.ca,
                                authentication_token_webhook=True, authentication_token_webhook_cache_ttl=120.0,
                                authorization_webhook_cache_authorized_ttl=300.0,
                                authorization_webhook_cache_unauthorized_ttl=30.0)
        self.door = command._door(flags, self.client)  # type: ignore[arg-type]
        agents: dict[str, Any] = {"n1": SimpleNamespace(name="n1", runtime=StubRuntime(self.docker_id))}
        app = make_app(agents, lambda ns, name: POD if (ns, name) == ("default", "p") else None, True,
                       registry=CollectorRegistry(), door=self.door)
        add_stats_routes(app, agents)
        self.runner = await serve(app, "127.0.0.1", 0, tls_context(str(self.pki / "node.crt"),
                                                                   str(self.pki / "node.key"), self.ca))
        self.node_port = self.runner.addresses[0][1]
        self.node = f"https://127.0.0.1:{self.node_port}"
        self.kubeconfig = write_kubeconfig(self.tmp / "admin.kubeconfig", self.url, self.ca, ADMIN_TOKEN)

    def admin(self) -> aiohttp.ClientSession:
        return client_session(self.url, self.ca, ADMIN_TOKEN)

    async def register_node_and_pod(self) -> None:
        """Node n1 at this node server's port and pod p on it, Running: the API server's proxy path."""
        async with self.admin() as admin:
            for path, body in (("/api/v1/nodes", {"metadata": {"name": "n1"}}),
                               ("/api/v1/namespaces/default/pods",
                                {"metadata": {"name": "p"}, "spec": {"nodeName": "n1", "containers": [
                                    {"name": "main", "image": "kube.local/busybox:1"}]}})):
                async with admin.post(path, json=body) as resp:
                    assert resp.status == 201, await resp.text()
            for path, status in (("/api/v1/nodes/n1/status", {
                    "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": self.node_port}}}),
                    ("/api/v1/namespaces/default/pods/p/status", {"phase": "Running"})):
                async with admin.patch(path, json={"status": status},
                                       headers={"Content-Type": "application/merge-patch+json"}) as resp:
                    assert resp.status == 200, await resp.text()

    async def kubectl(self, *argv: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(".venv/bin/kubectl", "--kubeconfig", str(self.kubeconfig),
                                                    *argv, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out.decode(), err.decode()

    async def close(self) -> None:
        await self.runner.cleanup()
        await self.client.close()
        await self.stop_api()
