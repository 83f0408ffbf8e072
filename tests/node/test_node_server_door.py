"""Who gets through the node's server door (the kubelet's port), per --authorization-mode:
/stats/summary is locked like logs, exec, attach and port-forward; by default only the API
server's client certificate passes; AlwaysAllow lets any CA-signed one in; Webhook asks the API
(a fake one here: tests/node/test_node_server_webhook.py asks a real API server)."""

from __future__ import annotations

import argparse
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
from kube.component.errors import UsageError
from kube.node import command
from kube.node.log_server import make_app, serve, tls_context
from kube.node.server_authorization import NodeServerAuthorizer
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


def node_app(**door: Any) -> web.Application:
    agents: dict[str, Any] = {"n1": SimpleNamespace(name="n1", runtime=StubRuntime())}
    app = make_app(agents, lambda ns, name: POD if (ns, name) == ("default", "p") else None, True,
                   registry=CollectorRegistry(), **door)
    add_stats_routes(app, agents)
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
    url = await start(node_app(door=NodeServerAuthorizer("APIServer")))
    for target in ("/stats/summary", "/stats/summary?node=n1"):
        status, body = await call(pki, url + target, identity)
        assert status == code, (target, body)
        if code == 200:
            assert body == SUMMARY
        elif code == 403:
            assert body["reason"] == "Forbidden"
            assert body["message"] == f"Forbidden (user={'system:node:n2' if identity == 'other-node' else 'jane'}, " \
                                      "verb=get, resource=nodes, subresource(s)=[stats])"
        else:
            assert body["reason"] == "Unauthorized"


class FakeApi:
    """Answers SubjectAccessReviews from a set of allowed users, and keeps what it was asked."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed, self.asked, self.down = allowed, [], False

    async def review(self, body: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(body)
        if self.down:
            raise ConnectionError("the API server is not answering")
        return {**body, "status": {"allowed": body["spec"]["user"] in self.allowed}}


async def test_api_server_mode_lets_only_the_api_server_through(pki: tuple[Path, PkiPaths], start: Any) -> None:
    url = await start(node_app(door=NodeServerAuthorizer("APIServer")))
    for target, subresource in (("/containerLogs/default/p/main", "proxy"), ("/exec/default/p/main", "proxy"),
                                ("/portForward/default/p", "proxy"), ("/stats/summary", "stats")):
        for identity in ("other-node", "jane"):
            status, body = await call(pki, url + target, identity)
            assert status == 403 and f"subresource(s)=[{subresource}]" in body["message"], (target, identity, body)
    assert (await call(pki, url + "/stats/summary", "apiserver-client"))[0] == 200
    assert (await call(pki, url + "/healthz", None))[0] == 200  # the open paths stay open


async def test_always_allow_lets_any_ca_signed_certificate_through(pki: tuple[Path, PkiPaths], start: Any) -> None:
    url = await start(node_app(door=NodeServerAuthorizer("AlwaysAllow")))
    for identity in ("other-node", "jane", "apiserver-client"):
        assert await call(pki, url + "/stats/summary", identity) == (200, SUMMARY)
    status, body = await call(pki, url + "/stats/summary", None)
    assert status == 401 and body["reason"] == "Unauthorized"  # authentication still comes first


async def test_webhook_asks_the_api_and_caches_the_answers_as_the_kubelet(pki: tuple[Path, PkiPaths],
                                                                          start: Any) -> None:
    api, now = FakeApi({"jane"}), [1000.0]
    door = NodeServerAuthorizer("Webhook", api.review, clock=lambda: now[0])
    url = await start(node_app(door=door))
    assert await call(pki, url + "/stats/summary", "jane") == (200, SUMMARY)
    assert api.asked == [{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                          "spec": {"user": "jane", "groups": ["system:authenticated"],
                                   "resourceAttributes": {"verb": "get", "group": "", "version": "v1",
                                                          "resource": "nodes", "subresource": "stats",
                                                          "name": "n1"}}}]
    status, body = await call(pki, url + "/exec/default/p/main?command=true", "other-node", "POST")
    assert status == 403 and body["message"] == \
        "Forbidden (user=system:node:n2, verb=create, resource=nodes, subresource(s)=[proxy])"
    assert api.asked[-1]["spec"]["groups"] == ["system:nodes", "system:authenticated"]
    assert len(api.asked) == 2
    now[0] += 29  # within both TTLs: nothing is asked again
    assert (await call(pki, url + "/stats/summary", "jane"))[0] == 200
    assert (await call(pki, url + "/exec/default/p/main?command=true", "other-node", "POST"))[0] == 403
    assert len(api.asked) == 2
    now[0] += 2  # the denial (30 s) has expired, the allowance (5 min) has not
    assert (await call(pki, url + "/exec/default/p/main?command=true", "other-node", "POST"))[0] == 403
    assert (await call(pki, url + "/stats/summary", "jane"))[0] == 200
    assert [a["spec"]["user"] for a in api.asked] == ["jane", "system:node:n2", "system:node:n2"]
    now[0] += 300
    assert (await call(pki, url + "/stats/summary", "jane"))[0] == 200
    assert len(api.asked) == 4 and door.reviews == 4
    status, body = await call(pki, url + "/stats/summary", "apiserver-client")  # asked about like anyone, as
    assert status == 403 and "user=kube-apiserver-kubelet-client" in body["message"]  # the kubelet (RBAC allows it)


async def test_webhook_with_the_api_down_is_503_and_not_remembered(pki: tuple[Path, PkiPaths], start: Any) -> None:
    api = FakeApi({"jane"})
    url = await start(node_app(door=NodeServerAuthorizer("Webhook", api.review)))
    api.down = True
    status, body = await call(pki, url + "/stats/summary", "jane")
    assert status == 503 and body["reason"] == "ServiceUnavailable"
    assert body["message"].startswith("Authorization error (user=jane, verb=get, resource=nodes, subresource=stats): "
                                      "the API server could not answer the SubjectAccessReview: ")
    api.down = False
    assert await call(pki, url + "/stats/summary", "jane") == (200, SUMMARY)
    assert len(api.asked) == 2


def node_flags(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers())
    return parser.parse_args(["node", "--runtime", "simulated", *argv])


def test_the_flag_defaults_to_webhook_and_checks_its_needs() -> None:
    flags = node_flags("--client-ca-file", "ca.crt")
    command._check(flags)
    assert flags.authorization_mode == "Webhook" and flags.authentication_token_webhook is True
    assert flags.authentication_token_webhook_cache_ttl == 120.0
    assert node_flags("--authentication-token-webhook=false").authentication_token_webhook is False
    with pytest.raises(UsageError, match="must not be negative"):
        command._check(node_flags("--authentication-token-webhook-cache-ttl", "-1"))
    for mode in ("Webhook", "AlwaysAllow"):
        with pytest.raises(UsageError, match=f"--authorization-mode {mode} needs --client-ca-file"):
            command._check(node_flags("--authorization-mode", mode))
    command._check(node_flags("--authorization-mode", "Webhook", "--client-ca-file", "ca.crt"))
    with pytest.raises(SystemExit):
        node_flags("--authorization-mode", "Node")
    with pytest.raises(ValueError, match="Webhook needs a client"):
        NodeServerAuthorizer("Webhook")
