"""Stand-ins for port-forward tests that need no cluster: a "pod" (an HTTP-ish server on loopback), an API
server that is just enough for `kubectl port-forward` (discovery, one Running pod, the portforward
subresource served by the node's own handler), and a TCP proxy that records a connection byte for byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from kube.node.port_forward_netns import DialError
from kube.node.port_forward_server import add_port_forward_routes, status

POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "x", "namespace": "default", "uid": "0b7c7a1e-7f53-4d32-9a2e-6a3c05f1a7a1",
                    "resourceVersion": "1"},
       "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "kube.local/busybox:1"}]},
       "status": {"phase": "Running"}}
SANDBOX = "fake-sandbox"
CLOSED_PORT = 81


def pod_reply(request_head: bytes) -> bytes:
    line = request_head.split(b"\r\n", 1)[0]
    body = b"hello from the pod: " + line + b"\n"
    return b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


@dataclass
class FakePod:
    """Answers one request per connection (HTTP/1.0 style) or echoes, when the head is not HTTP."""

    port: int = 0
    connections: int = 0
    open_now: int = 0
    server: asyncio.AbstractServer | None = None

    async def start(self) -> FakePod:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        try:
            head = await reader.read(65536)
            if head.startswith((b"GET ", b"HEAD ")):
                while b"\r\n\r\n" not in head and (more := await reader.read(65536)):
                    head += more
                writer.write(pod_reply(head))
            else:  # echo until the client half-closes
                while head:
                    writer.write(head)
                    await writer.drain()
                    head = await reader.read(65536)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            self.open_now -= 1
            writer.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@dataclass
class LoopbackNetns:
    """Dials the fake pod for every port but CLOSED_PORT (refused, in the kubelet's words)."""

    pod: FakePod
    sandbox_id: str = SANDBOX
    dials: int = 0
    sockets: list[socket.socket] = field(default_factory=list)

    async def dial(self, port: int) -> socket.socket:
        self.dials += 1
        if port == CLOSED_PORT:
            raise DialError(f"failed to connect to localhost:{port} inside namespace \"{self.sandbox_id}\", IPv4: "
                            f"dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: "
                            "connect: connection refused ")
        sock = socket.create_connection(("127.0.0.1", self.pod.port))
        sock.setblocking(False)
        self.sockets.append(sock)
        return sock


def node_app(netns: LoopbackNetns, require_cert: bool = False) -> web.Application:
    """The node's port-forward routes with the pod's netns replaced by loopback."""
    async def find(runtime: object, uid: str) -> LoopbackNetns:
        return netns

    app = web.Application()

    def guard(request: web.Request) -> web.StreamResponse | None:
        if require_cert:
            return status(401, "Unauthorized", "a client certificate signed by the cluster CA is required")
        return None

    add_port_forward_routes(app, lambda ns, name: (POD, object()) if (ns, name) == ("default", "x") else None, guard,
                            find_netns=find)  # type: ignore[arg-type]
    return app


def fake_api_app(netns: LoopbackNetns) -> web.Application:
    """Enough API for kubectl port-forward / the Python client: discovery, pod x, and its portforward."""
    app = node_app(netns)
    resources = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
        {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod", "shortNames": ["po"],
         "verbs": ["get", "list"]},
        {"name": "pods/portforward", "singularName": "", "namespaced": True, "kind": "PodPortForwardOptions",
         "verbs": ["create", "get"]}]}

    async def discovery(request: web.Request) -> web.Response:
        path = request.path
        if path == "/api":
            return web.json_response({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if path == "/apis":
            return web.json_response({"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if path == "/api/v1":
            return web.json_response(resources)
        if path == "/api/v1/namespaces/default/pods/x":
            return web.json_response(POD)
        return web.json_response({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404,
                                  "reason": "NotFound", "message": f"{path} not found"}, status=404)

    for route in list(app.router.routes()):
        if route.resource is not None and route.resource.canonical == "/portForward/{namespace}/{pod}":
            app.router.add_route(route.method, "/api/v1/namespaces/{namespace}/pods/{pod}/portforward",
                                 route.handler)
    app.router.add_get("/{tail:.*}", discovery)
    return app


@dataclass
class Recording:
    events: list[tuple[str, bytes]] = field(default_factory=list)  # ("client" | "server", bytes)


class RecordingProxy:
    """A TCP proxy that records every connection whose request line matches `needle`."""

    def __init__(self, upstream_port: int, needle: bytes = b"/portforward") -> None:
        self.upstream_port, self.needle = upstream_port, needle
        self.recordings: list[Recording] = []
        self.port = 0
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> RecordingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        first = await reader.read(65536)
        rec = Recording() if self.needle in first.split(b"\r\n", 1)[0] else None
        if rec is not None:
            self.recordings.append(rec)
            rec.events.append(("client", first))
        up_writer.write(first)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, who: str) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    if rec is not None:
                        rec.events.append((who, data))
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.write_eof()

        with contextlib.suppress(asyncio.CancelledError):  # the recorder stopping mid-connection
            await asyncio.gather(pump(reader, up_writer, "client"), pump(up_reader, writer, "server"))
        writer.close()
        up_writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[int]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    finally:
        await runner.cleanup()
