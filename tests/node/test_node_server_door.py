"""Who gets through the node's server door (the kubelet's port): /stats/summary is locked like
logs, exec, attach and port-forward; only the API server's client certificate passes by default."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from kube.apiserver.auth.pki import PkiPaths, ensure_pki, issue_client_cert, issue_serving_cert
from kube.node.log_server import make_app, serve, tls_context
from kube.node.stats_server import add_stats_routes

SUMMARY = {"node": {"nodeName": "n1"}, "pods": []}
POD = {"metadata": {"name": "p", "namespace": "default", "uid": "u1"}, "spec": {"nodeName": "n1"}}


class StubRuntime:
    """A runtime with stats and no containers: requests that pass the door then find nothing to run."""

    name = "stub"
    docker = None

    def __init__(self) -> None:
        self.stats = SimpleNamespace(summary=lambda: SUMMARY)

    async def latest_container_id(self, uid: str, container: str) -> str:
        return ""


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PkiPaths]:
    path = tmp_path_factory.mktemp("door-pki")
    paths = ensure_pki(str(path), ["127.0.0.1"])
    issue_serving_cert(paths, ["127.0.0.1"], str(path / "node.crt"), str(path / "node.key"), cn="n1")
    for name, cn, groups in (("apiserver-client", "kube-apiserver-kubelet-client", ["system:masters"]),
                             ("other-node", "system:node:n2", ["system:nodes"]), ("jane", "jane", [])):
        issue_client_cert(paths, cn, groups, str(path / f"{name}.crt"), str(path / f"{name}.key"))
    return path, paths


def node_app() -> web.Application:
    agents: dict[str, Any] = {"n1": SimpleNamespace(name="n1", runtime=StubRuntime())}
    app = make_app(agents, lambda ns, name: POD if (ns, name) == ("default", "p") else None, True,
                   registry=CollectorRegistry())
    add_stats_routes(app, agents, require_client_cert=True)
    return app


@pytest.fixture
async def start(pki: tuple[Path, PkiPaths]) -> AsyncIterator[Any]:
    path, paths = pki
    runners: list[web.AppRunner] = []

    async def started(app: web.Application) -> str:
        runner = await serve(app, "127.0.0.1", 0, tls_context(str(path / "node.crt"), str(path / "node.key"),
                                                               paths.ca_cert))
        runners.append(runner)
        return f"https://127.0.0.1:{runner.addresses[0][1]}"

    yield started
    for runner in runners:
        await runner.cleanup()


async def call(pki: tuple[Path, PkiPaths], url: str, identity: str | None, method: str = "GET") -> tuple[int, Any]:
    path, paths = pki
    ctx = ssl.create_default_context(cafile=paths.ca_cert)
    if identity:
        ctx.load_cert_chain(path / f"{identity}.crt", path / f"{identity}.key")
    async with aiohttp.ClientSession() as session, session.request(method, url, ssl=ctx) as resp:
        body = await resp.json() if resp.content_type == "application/json" else await resp.text()
        return resp.status, body


@pytest.mark.parametrize(("identity", "code"), [("apiserver-client", 200), ("other-node", 403), ("jane", 403),
                                                 (None, 401)])
async def test_stats_summary_obeys_the_lock(pki: tuple[Path, PkiPaths], start: Any, identity: str | None,
                                            code: int) -> None:
    url = await start(node_app())
    for target in ("/stats/summary", "/stats/summary?node=n1"):
        status, body = await call(pki, url + target, identity)
        assert status == code, (target, body)
        if code == 200:
            assert body == SUMMARY
        elif code == 403:
            assert body["reason"] == "Forbidden"
            assert body["message"] == f"Forbidden (user={'system:node:n2' if identity == 'other-node' else 'jane'}, " \
                                      "verb=get, resource=nodes, subresource=stats)"
        else:
            assert body["reason"] == "Unauthorized"
