"""Who may call the node's server, against a real API server (Node,RBAC), wired as `kube node`
wires it (Webhook authorization, the token webhook): a CA-signed certificate of a user with no
RBAC is 403 in the kubelet's words on stats, exec and container logs until a ClusterRoleBinding
grants nodes/proxy (and nodes/stats); a ServiceAccount's bearer token is known by a TokenReview;
an unknown one is 401; the API server's own path (kubectl logs and exec) still works; cached
answers outlive a stopped API server, a denial is asked again after its TTL, and with the API
down and nothing cached the answer is a 503 Status, not a traceback."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import WSMsgType

from tests.node.node_server_cluster import LOG, SUMMARY, NodeServerCluster

EXEC = "/exec/default/p/main?command=sh&command=-c&command=echo%20hi&stdout=true"


@pytest.fixture
async def cluster(tmp_path: Path, container: str) -> AsyncIterator[NodeServerCluster]:
    c = NodeServerCluster(tmp_path, container)
    for cn in ("jane", "bob"):
        c.issue(cn)
    await c.start()
    try:
        yield c
    finally:
        await c.close()


def tls(cluster: NodeServerCluster, identity: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=cluster.ca)
    if identity:
        ctx.load_cert_chain(cluster.pki / f"{identity}.crt", cluster.pki / f"{identity}.key")
    return ctx


async def call(cluster: NodeServerCluster, path: str, identity: str | None = None, token: str = "",
               method: str = "GET") -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as session, \
            session.request(method, cluster.node + path, ssl=tls(cluster, identity), headers=headers) as resp:
        body = await resp.read()
        return resp.status, orjson.loads(body) if resp.content_type == "application/json" else body


async def exec_hi(cluster: NodeServerCluster, identity: str | None = None, token: str = "") -> bytes:
    """stdout of `echo hi` run through the node's /exec (a refusal raises WSServerHandshakeError)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    out = b""
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(cluster.node + EXEC, ssl=tls(cluster, identity), headers=headers,
                               protocols=("v5.channel.k8s.io",)) as ws:
        async for msg in ws:
            if msg.type != WSMsgType.BINARY:
                break
            if msg.data[0] == 1:
                out += msg.data[1:]
    return out


async def grant(cluster: NodeServerCluster, kind: str, name: str, subresources: list[str],
                namespace: str = "") -> None:
    role_name = f"nodes-{'-'.join(subresources)}"
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role_name},
            "rules": [{"apiGroups": [""], "resources": [f"nodes/{s}" for s in subresources],
                       "verbs": ["get", "create"]}]}
    subject = {"kind": kind, "name": name, **({"namespace": namespace} if namespace else
                                              {"apiGroup": "rbac.authorization.k8s.io"})}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": f"{role_name}-{name}"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name},
               "subjects": [subject]}
    async with cluster.admin() as admin:
        for path, body in (("/apis/rbac.authorization.k8s.io/v1/clusterroles", role),
                           ("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", binding)):
            async with admin.post(path, json=body) as resp:
                assert resp.status in (201, 409), await resp.text()


def forbidden(user: str, verb: str, subresources: str) -> str:
    return f"Forbidden (user={user}, verb={verb}, resource=nodes, subresource(s)=[{subresources}])"


async def test_a_user_without_rbac_is_refused_until_granted(cluster: NodeServerCluster) -> None:
    for path, subresource in (("/stats/summary", "stats"), (EXEC, "proxy"), ("/containerLogs/default/p/main", "proxy")):
        status, body = await call(cluster, path, "jane")
        assert status == 403 and body["reason"] == "Forbidden", (path, body)
        assert body["message"] == forbidden("jane", "get", subresource)
    status, body = await call(cluster, "/exec/default/p/main?command=true", "jane", method="POST")
    assert status == 403 and body["message"] == forbidden("jane", "create", "proxy")
    cluster.door.cache.clear()  # the denials are cached 30 s: a fresh question after the grant
    await grant(cluster, "User", "jane", ["proxy"])
    assert await exec_hi(cluster, "jane") == b"hi\n"
    assert await call(cluster, "/containerLogs/default/p/main", "jane") == (200, LOG)
    status, body = await call(cluster, "/stats/summary", "jane")  # nodes/proxy is not nodes/stats (the kubelet's
    assert status == 403 and body["message"] == forbidden("jane", "get", "stats")  # mapping)
    cluster.door.cache.clear()
    await grant(cluster, "User", "jane", ["stats"])
    assert await call(cluster, "/stats/summary", "jane") == (200, SUMMARY)
    status, body = await call(cluster, EXEC, "bob")  # another user stays refused
    assert status == 403 and body["message"] == forbidden("bob", "get", "proxy")


async def service_account_token(cluster: NodeServerCluster, name: str = "scraper") -> str:
    async with cluster.admin() as admin:
        async with admin.post("/api/v1/namespaces/default/serviceaccounts", json={"metadata": {"name": name}}) as r:
            assert r.status == 201, await r.text()
        async with admin.post(f"/api/v1/namespaces/default/serviceaccounts/{name}/token",
                              json={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                                    "spec": {}}) as r:
            assert r.status == 201, await r.text()
            return (await r.json())["status"]["token"]


async def test_bearer_tokens_are_reviewed_through_the_api(cluster: NodeServerCluster) -> None:
    token = await service_account_token(cluster)
    status, body = await call(cluster, "/stats/summary", token=token)
    assert status == 403 and body["message"] == forbidden("system:serviceaccount:default:scraper", "get", "stats")
    cluster.door.cache.clear()
    await grant(cluster, "ServiceAccount", "scraper", ["stats"], namespace="default")
    assert await call(cluster, "/stats/summary", token=token) == (200, SUMMARY)
    assert await call(cluster, "/stats/summary", token=token) == (200, SUMMARY)
    assert cluster.door.tokens is not None and cluster.door.tokens.reviews == 1  # the TokenReview was cached
    for bad in ("not-a-token", token + "x"):
        status, body = await call(cluster, "/stats/summary", token=bad)
        assert status == 401 and body["reason"] == "Unauthorized", body
        assert body["message"] == "Unauthorized: the bearer token is not valid (TokenReview)"
    status, body = await call(cluster, "/stats/summary")
    assert status == 401 and "a client certificate signed by the cluster CA or a bearer token" in body["message"]


async def test_the_api_servers_own_path_still_works(cluster: NodeServerCluster) -> None:
    """kubectl logs and exec go through the API server, which calls the node with its certificate:
    the node asks about kube-apiserver-kubelet-client like anyone, and RBAC allows it."""
    await cluster.register_node_and_pod()
    code, out, err = await cluster.kubectl("logs", "p", "-c", "main")
    assert code == 0 and out.encode() == LOG, err
    code, out, err = await cluster.kubectl("exec", "p", "-c", "main", "--", "sh", "-c", "echo via-api; exit 3")
    assert code == 3 and out == "via-api\n", err
    users = {key[0].user for key in cluster.door.cache}
    assert users == {"kube-apiserver-kubelet-client"}, users
    assert all(allowed for allowed, _ in cluster.door.cache.values())


async def test_cached_answers_outlive_a_stopped_api_and_denials_expire(cluster: NodeServerCluster) -> None:
    await grant(cluster, "User", "jane", ["proxy"])
    assert await exec_hi(cluster, "jane") == b"hi\n"
    status, _ = await call(cluster, EXEC, "bob")
    assert status == 403
    await cluster.stop_api()
    try:
        assert await exec_hi(cluster, "jane") == b"hi\n"  # allowed 5 min: no API needed
        status, body = await call(cluster, EXEC, "bob")  # denied 30 s: still a denial, not asked
        assert status == 403 and body["message"] == forbidden("bob", "get", "proxy")
        reviews = cluster.door.reviews
        status, body = await call(cluster, "/stats/summary", "bob")  # never asked: the API is needed
        assert status == 503 and body["reason"] == "ServiceUnavailable", body
        assert body["message"].startswith("Authorization error (user=bob, verb=get, resource=nodes, "
                                          "subresource=stats): the API server could not answer")
        assert cluster.door.reviews == reviews + 1
        status, body = await call(cluster, "/stats/summary", token="some-token")
        assert status == 503 and body["message"].startswith("Authentication error: the API server could not "
                                                            "review the bearer token"), body
    finally:
        await cluster.start_api()
    await grant(cluster, "User", "bob", ["proxy"])
    status, _ = await call(cluster, EXEC, "bob")
    assert status == 403  # the denial is still held
    clock = cluster.door.clock
    cluster.door.clock = lambda: clock() + 31  # past the unauthorized TTL (30 s), within the authorized one
    assert await exec_hi(cluster, "bob") == b"hi\n"
    assert await exec_hi(cluster, "jane") == b"hi\n"
