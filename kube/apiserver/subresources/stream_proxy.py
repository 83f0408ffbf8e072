"""pods/exec, pods/attach, pods/portforward: checked here, then the upgraded connection is proxied
byte for byte to the node's server, as the API server's upgrade-aware proxy does to the kubelet.

One proxy serves the three: the node's path is the kubelet's (/exec/<ns>/<pod>/<container>,
/attach/..., /portForward/<ns>/<pod>) with the client's query string; the upgrade headers
(Upgrade, Connection, Sec-WebSocket-*, X-Stream-Protocol-Version) go through and nothing
else (the caller's credentials stay here: the node sees the API server's client certificate,
node_connection.py). The node's answer head is relayed as it came; after a 101 both sockets
are spliced (each side's reads paused while the other's writes are backed up) until either
closes. Only WebSocket and SPDY/3.1 upgrades are taken; anything else is a 400 Status before
the node is dialled. A non-101 answer from the node becomes the client's Status.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import orjson
from aiohttp import web

from kube.api.errors import StatusError, bad_request
from kube.api.meta import Obj
from kube.apiserver.config import ServerConfig
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import STATE, ServerState
from kube.apiserver.subresources.node_connection import NodeConnector, pick_container
from kube.apiserver.tls import ServingFiles
from kube.component.taken_over import TakenOver, release

# subresource -> the node server's path segment (the kubelet's)
NODE_PATHS = {"exec": "exec", "attach": "attach", "portforward": "portForward"}
UPGRADES = ("websocket", "spdy/3.1")
PASSED_HEADERS = ("Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                  "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "X-Stream-Protocol-Version")
PHASE_WORDS = {"exec": "exec into", "attach": "attach"}  # a completed pod's refusal, worded as kubectl's
HEAD_LIMIT = 64 << 10
DIAL_TIMEOUT = 10.0
# (request, pod, node path with query) -> the response once the stream is over
StreamProxy = Callable[[web.Request, Obj, str], Awaitable[web.StreamResponse]]


def _check_upgrade(request: web.Request) -> None:
    upgrade = request.headers.get("Upgrade", "").strip()
    if not upgrade:
        raise bad_request("Upgrade request required")
    if upgrade.lower() not in UPGRADES or "upgrade" not in request.headers.get("Connection", "").lower():
        raise bad_request(f'unable to upgrade: unsupported upgrade "{upgrade}" '
                          f"(served: WebSocket with the channel.k8s.io subprotocols, SPDY/3.1)")


def node_path(sub: str, pod: Obj, query: web.Request) -> str:
    """The node server's path for a streaming subresource of pod; 400 Status on what cannot work."""
    meta = pod.get("metadata") or {}
    ns, name = quote(str(meta.get("namespace", "")), safe=""), quote(str(meta.get("name", "")), safe="")
    qs = query.raw_path.partition("?")[2]  # as the client encoded it (query_string is decoded)
    if sub == "portforward":
        if not (pod.get("spec") or {}).get("nodeName"):
            raise bad_request(f"pod {meta.get('name')} does not have a host assigned")
        return f"/portForward/{ns}/{name}" + (f"?{qs}" if qs else "")
    container = pick_container(pod, query.query.get("container", ""))
    phase = (pod.get("status") or {}).get("phase", "")
    if phase in ("Succeeded", "Failed"):
        raise bad_request(f"cannot {PHASE_WORDS[sub]} a container in a completed pod; current phase is {phase}")
    flags = {k: query.query.get(k, "").lower() in ("true", "1") for k in ("stdin", "stdout", "stderr")}
    if not any(flags.values()):
        raise bad_request("you must specify at least 1 of stdin, stdout, stderr")
    if sub == "exec" and not query.query.getall("command", []):
        raise bad_request("you must specify at least one command for the container")
    return f"/{NODE_PATHS[sub]}/{ns}/{name}/{quote(container, safe='')}" + (f"?{qs}" if qs else "")


async def pod_stream(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    _check_upgrade(request)
    pod = await state.objects.must_get(info.kind, info.namespace, info.name)
    path = node_path(info.subresource, pod, request)
    if state.stream_proxy is None:
        raise StatusError(503, "ServiceUnavailable", "this API server proxies no streams to nodes")
    return await state.stream_proxy(request, pod, path)


class _Splice(asyncio.Protocol):
    """One socket of the splice: what it reads is written to its peer; when the peer's write buffer
    fills, this side stops reading (and resumes when it drains)."""

    def __init__(self, done: asyncio.Event) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Splice | None = None
        self.buffer = bytearray()  # what the node answered before the splice (its head, a refusal's body)
        self.more = asyncio.Event()
        self.closed = False
        self.done = done

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.peer is None:
            self.buffer += data
            self.more.set()
        elif self.peer.transport is not None:
            self.peer.transport.write(data)

    def eof_received(self) -> bool:
        self.connection_lost(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.more.set()
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()
        self.done.set()

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None and not self.peer.transport.is_closing():
            self.peer.transport.resume_reading()


def _request_head(request: web.Request, host: str, port: int, path: str) -> bytes:
    lines = [f"{request.method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    for name in PASSED_HEADERS:
        lines += [f"{name}: {value}" for value in request.headers.getall(name, [])]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _node_failure(head: bytes, body: bytes, node_name: str) -> StatusError:
    """The node's refusal as the client's Status (the node answers Status bodies itself)."""
    try:
        code = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return StatusError(500, "InternalError", f"unable to upgrade connection: bad answer from node {node_name}")
    try:
        status = orjson.loads(body)
        message, reason = str(status["message"]), str(status.get("reason") or "BadRequest")
    except (orjson.JSONDecodeError, KeyError, TypeError):
        message, reason = body.decode("utf-8", "replace").strip() or f"HTTP {code}", "BadRequest"
    if code >= 500:
        return StatusError(500, "InternalError", f"error dialing backend: {message}")
    return StatusError(code, reason, message)


def node_stream_proxy(config: ServerConfig, files: ServingFiles) -> StreamProxy:
    nodes = NodeConnector(config, files)

    async def proxy(request: web.Request, pod: Obj, path: str) -> web.StreamResponse:
        node_name = str(pod["spec"]["nodeName"])
        host, port = await nodes.address(request.app[STATE], node_name, "streams")
        tls: ssl.SSLContext = nodes.tls()
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        upstream = _Splice(done)
        try:
            transport, _ = await asyncio.wait_for(
                loop.create_connection(lambda: upstream, host, port, ssl=tls), DIAL_TIMEOUT)
        except (TimeoutError, OSError, ssl.SSLError) as exc:
            raise StatusError(500, "InternalError",
                              f"error dialing backend: cannot reach the node server of {node_name}: {exc}") from None
        try:
            transport.write(_request_head(request, host, port, path))
            await _read_until(upstream, lambda b: b"\r\n\r\n" in b)
            head, sep, rest = bytes(upstream.buffer).partition(b"\r\n\r\n")
            if not sep:
                raise StatusError(500, "InternalError", f"error dialing backend: node {node_name} closed the "
                                                        "connection before answering")
            if not head.startswith((b"HTTP/1.1 101", b"HTTP/1.0 101")):
                length = _content_length(head)
                await _read_until(upstream, lambda b: length >= 0 and len(b) - len(head) - 4 >= length)
                body = bytes(upstream.buffer)[len(head) + 4:]
                raise _node_failure(head, body[:length] if length >= 0 else body, node_name)
            upstream.buffer = bytearray()
        except BaseException:
            transport.close()
            raise
        client_transport = request.transport
        if client_transport is None or client_transport.is_closing():
            transport.close()
            raise ConnectionResetError("the client went away before the upgrade")
        client = _Splice(done)
        client.transport, client.peer, upstream.peer = client_transport, upstream, client  # type: ignore[assignment]
        client_transport.write(head + sep + rest)  # the node's 101 and anything it sent right after
        client_transport.set_protocol(client)
        try:
            await done.wait()
        finally:
            transport.close()
            client_transport.close()
            release(request)  # aiohttp's protocol no longer sees the socket: tell it it is gone
        return TakenOver()

    return proxy


async def _read_until(side: _Splice, enough: Callable[[bytearray], bool]) -> None:
    """Wait (at most DIAL_TIMEOUT per read) until what the node sent is enough, too long, or over."""
    while not enough(side.buffer) and not side.closed and len(side.buffer) <= HEAD_LIMIT:
        side.more.clear()
        try:
            await asyncio.wait_for(side.more.wait(), DIAL_TIMEOUT)
        except TimeoutError:
            return


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return -1
