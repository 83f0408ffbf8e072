"""pods/exec, attach, portforward in the API server: checks, then a byte-for-byte splice to the node's
server, against a fake node (a raw TLS server answering 101 and echoing) so what crosses is seen exactly."""

from __future__ import annotations

import asyncio
import hashlib
import os
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, READER_TOKEN, Api, ca_file, pod

PODS = "/api/v1/namespaces/default/pods"


@dataclass
class FakeNode:
    """A node server: records each request head and the caller's certificate subject, then answers
    `answer` (default a 101) and echoes every byte back."""

    port: int = 0
    heads: list[bytes] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    answer: bytes = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n" \
                    b"X-Node: fake\r\n\r\n"
    open_streams: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cert = writer.get_extra_info("peercert") or {}
        self.subjects.append(",".join(f"{k}={v}" for rdn in cert.get("subject", ()) for k, v in rdn))
        try:
            self.heads.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(self.answer)
            self.open_streams += 1
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open_streams -= 1 if self.heads else 0
            writer.close()


@pytest.fixture
async def node(api: Api, pki_dir: Path) -> AsyncIterator[FakeNode]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=ca_file(pki_dir))
    ctx.load_cert_chain(pki_dir / "apiserver.crt", pki_dir / "apiserver.key")  # signed by the cluster CA
    ctx.verify_mode = ssl.CERT_REQUIRED
    fake = FakeNode()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0, ssl=ctx)
    fake.port = server.sockets[0].getsockname()[1]
    status, _ = await api.post("/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    assert status == 201
    status, _ = await api.patch("/api/v1/nodes/n1/status", {"status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": fake.port}}}})
    assert status == 200
    yield fake
    server.close()


async def _pod(api: Api, name: str, phase: str = "Running", node: str = "n1", containers: int = 1) -> None:
    spec = {"containers": [{"name": f"c{i}", "image": "busybox"} for i in range(containers)]}
    if node:
        spec["nodeName"] = node
    status, _ = await api.post(PODS, {**pod(name), "spec": spec})
    assert status == 201
    status, _ = await api.patch(f"{PODS}/{name}/status", {"status": {"phase": phase}})
    assert status == 200


async def _connect(api: Api, pki_dir: Path) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    ctx = ssl.create_default_context(cafile=ca_file(pki_dir))
    port = int(api.server.url.rsplit(":", 1)[1])
    return await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1")


async def _upgrade(api: Api, pki_dir: Path, method: str, path: str, headers: dict[str, str],
                   token: str = ADMIN_TOKEN) -> tuple[bytes, bytes, asyncio.StreamReader, asyncio.StreamWriter]:
    """(head, body) of the API server's answer, with the open connection."""
    reader, writer = await _connect(api, pki_dir)
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Bearer {token}",
             *(f"{k}: {v}" for k, v in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    body = b""
    if b" 101 " not in head.split(b"\r\n")[0]:
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(
            b"content-length"))
        body = await reader.readexactly(length)
    return head, body, reader, writer


WS = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "v5.channel.k8s.io,v4.channel.k8s.io"}
SPDY = {"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": "portforward.k8s.io"}


async def test_exec_is_spliced_to_the_node_with_the_api_servers_certificate(api: Api, node: FakeNode,
                                                                             pki_dir: Path) -> None:
    await _pod(api, "p")
    baseline = len(api.server._runner.server.connections)  # type: ignore[union-attr]  # the admin session's
    query = "command=sh&command=-c&command=ls%20-l%3B%20exit%203&container=c0&stdin=true&stdout=true"
    head, _, reader, writer = await _upgrade(api, pki_dir, "GET", f"{PODS}/p/exec?{query}",
                                             {**WS, "X-Other": "dropped"})
    assert head.startswith(b"HTTP/1.1 101 ") and b"X-Node: fake" in head  # the node's own answer head
    payload = os.urandom(4 << 20)  # bigger than every buffer on the way: the splice must apply backpressure
    writer.write(payload)
    echoed = await asyncio.wait_for(reader.readexactly(len(payload)), 60)
    assert hashlib.sha256(echoed).digest() == hashlib.sha256(payload).digest()
    sent = node.heads[0].decode()
    assert sent.startswith(f"GET /exec/default/p/c0?{query} HTTP/1.1\r\n")  # the query as the client encoded it
    for name, value in WS.items():
        assert f"{name}: {value}\r\n" in sent
    assert "Authorization" not in sent and "X-Other" not in sent  # the caller's credentials stay at the server
    assert "commonName=kube-apiserver-kubelet-client" in node.subjects[0]
    writer.close()
    await _eventually_closed(node, api.server, baseline)


async def _eventually_closed(node: FakeNode, server: APIServer, baseline: int) -> None:
    web_server = server._runner.server  # type: ignore[union-attr]
    for _ in range(200):
        if node.open_streams == 0 and len(web_server.connections) <= baseline:
            return
        await asyncio.sleep(0.05)
    assert node.open_streams == 0, "the node's side of the stream was left open after the client went away"
    assert len(web_server.connections) <= baseline, "the API server still holds the spliced connection"


async def test_attach_and_portforward_take_the_kubelet_paths_and_spdy(api: Api, node: FakeNode,
                                                                        pki_dir: Path) -> None:
    await _pod(api, "p")
    head, _, _, w1 = await _upgrade(api, pki_dir, "POST", f"{PODS}/p/attach?stdout=true", SPDY)
    assert head.startswith(b"HTTP/1.1 101 ")
    head, _, reader, w2 = await _upgrade(api, pki_dir, "POST", f"{PODS}/p/portforward?ports=80", SPDY)
    w2.write(b"\x80\x03\x00\x01")
    assert await asyncio.wait_for(reader.readexactly(4), 30) == b"\x80\x03\x00\x01"
    assert node.heads[0].startswith(b"POST /attach/default/p/c0?stdout=true HTTP/1.1\r\n")
    assert node.heads[1].startswith(b"POST /portForward/default/p?ports=80 HTTP/1.1\r\n")
    assert b"X-Stream-Protocol-Version: portforward.k8s.io\r\n" in node.heads[1]
    w1.close()
    w2.close()


def _status(body: bytes) -> dict:
    status = orjson.loads(body)
    assert status["kind"] == "Status" and status["status"] == "Failure"
    return status


@pytest.mark.parametrize(("path", "headers", "code", "message"), [
    ("p/exec?command=ls&stdout=true", {}, 400, "Upgrade request required"),
    ("p/exec?command=ls&stdout=true", {"Connection": "Upgrade", "Upgrade": "h2c"}, 400,
     'unable to upgrade: unsupported upgrade "h2c" (served: WebSocket with the channel.k8s.io subprotocols, SPDY/3.1)'),
    ("p/exec?command=ls&stdout=true&container=nope", WS, 400, "container nope is not valid for pod p"),
    ("done/exec?command=ls&stdout=true", WS, 400,
     "cannot exec into a container in a completed pod; current phase is Succeeded"),
    ("done/attach?stdout=true", WS, 400, "cannot attach a container in a completed pod; current phase is Succeeded"),
    ("unbound/exec?command=ls&stdout=true", WS, 400, "pod unbound does not have a host assigned"),
    ("two/exec?command=ls&stdout=true", WS, 400, "a container name must be specified for pod two, choose one of: [c0 c1]"),
    ("p/exec?stdout=true", WS, 400, "you must specify at least one command for the container"),
    ("p/exec?command=ls", WS, 400, "you must specify at least 1 of stdin, stdout, stderr"),
    ("ghost/exec?command=ls&stdout=true", WS, 404, 'pods "ghost" not found'),
])
async def test_bad_requests_get_kubernetes_statuses_and_never_reach_the_node(
        api: Api, node: FakeNode, pki_dir: Path, path: str, headers: dict[str, str], code: int, message: str) -> None:
    await _pod(api, "p")
    await _pod(api, "done", phase="Succeeded")
    await _pod(api, "unbound", node="")
    await _pod(api, "two", containers=2)
    head, body, _, writer = await _upgrade(api, pki_dir, "GET", f"{PODS}/{path}", headers)
    assert head.startswith(f"HTTP/1.1 {code} ".encode())
    assert _status(body)["message"] == message
    assert node.heads == []
    writer.close()


async def test_read_only_users_may_not_exec_even_with_a_get(api: Api, node: FakeNode, pki_dir: Path) -> None:
    await _pod(api, "p")
    head, body, _, writer = await _upgrade(api, pki_dir, "GET", f"{PODS}/p/exec?command=ls&stdout=true", WS,
                                           token=READER_TOKEN)
    assert head.startswith(b"HTTP/1.1 403 ") and _status(body)["reason"] == "Forbidden"
    assert node.heads == []
    writer.close()


async def test_the_nodes_refusal_is_the_clients_status(api: Api, node: FakeNode, pki_dir: Path) -> None:
    await _pod(api, "p")
    refusal = orjson.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "pod does not exist",
                            "reason": "NotFound", "code": 404})
    node.answer = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " + \
        str(len(refusal)).encode() + b"\r\n\r\n" + refusal
    head, body, _, writer = await _upgrade(api, pki_dir, "GET", f"{PODS}/p/exec?command=ls&stdout=true", WS)
    assert head.startswith(b"HTTP/1.1 404 ") and _status(body)["message"] == "pod does not exist"
    writer.close()


async def test_an_unreachable_node_is_a_status_not_a_hang(api: Api, node: FakeNode, pki_dir: Path,
                                                           server: APIServer) -> None:
    await _pod(api, "p")
    status, _ = await api.patch("/api/v1/nodes/n1/status", {"status": {"daemonEndpoints": {"kubeletEndpoint": {
        "Port": 1}}}})
    assert status == 200
    head, body, _, writer = await _upgrade(api, pki_dir, "GET", f"{PODS}/p/exec?command=ls&stdout=true", WS)
    assert head.startswith(b"HTTP/1.1 500 ") and "error dialing backend" in _status(body)["message"]
    writer.close()


async def test_discovery_lists_the_streaming_subresources(api: Api) -> None:
    _, doc = await api.get("/api/v1")
    found = {r["name"]: r for r in doc["resources"]}
    for sub, kind in (("exec", "PodExecOptions"), ("attach", "PodAttachOptions"),
                      ("portforward", "PodPortForwardOptions")):
        assert found[f"pods/{sub}"]["verbs"] == ["create", "get"] and found[f"pods/{sub}"]["kind"] == kind
