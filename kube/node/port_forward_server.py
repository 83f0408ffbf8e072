"""/portForward/<ns>/<pod> on the node's server: which of the three port-forward protocols a request
speaks, answered the kubelet's way.

- WebSocket, subprotocol `SPDY/3.1+portforward.k8s.io`: kubectl >= 1.30, SPDY inside binary messages.
- WebSocket, `v4.channel.k8s.io` / `v4.base64.channel.k8s.io` (or none): the channel protocol.
- `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io`: kubectl's fallback.
Anything else is a 400 Status before any upgrade. The pod's netns is looked up once per session, at
its first connection, so a session to a pod that is not running still opens and says why per stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry

from kube.component.taken_over import TakenOver, release
from kube.node.port_forward_metrics import LIVE
from kube.node.port_forward_netns import NetnsGone, PodNetns, pod_netns
from kube.node.port_forward_spdy import SpdyPortForward
from kube.node.port_forward_websocket import V4_BASE64, V4_BINARY, V4Session, parse_ports, serve_v4
from kube.node.runtime import PodAndRuntime, PodRuntime
from kube.node.spdy_session import SpdySession
from kube.node.spdy_transports import UpgradedConnection, WebSocketBytes

log = logging.getLogger("kube.node.portforward")
PROTOCOL = "portforward.k8s.io"
SPDY_TUNNEL = "SPDY/3.1+" + PROTOCOL
WS_PROTOCOLS = (SPDY_TUNNEL, V4_BINARY, V4_BASE64)
Guard = Callable[[web.Request], web.StreamResponse | None]  # a refusal, or None to go on
AgentFor = PodAndRuntime
FindNetns = Callable[[PodRuntime, str], Awaitable[PodNetns]]  # (runtime, pod uid) -> the sandbox's netns


def status(code: int, reason: str, message: str) -> web.Response:
    return web.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": message, "reason": reason, "code": code}, status=code)


class LazyNetns:
    """Resolves the pod's sandbox at the first dial and keeps it for the session; a failed lookup is
    not kept, and a sandbox whose namespace went away (restarted) is looked up again."""

    def __init__(self, runtime: PodRuntime, uid: str, find: FindNetns = pod_netns) -> None:
        self.runtime, self.uid, self.find = runtime, uid, find
        self._found: asyncio.Future[PodNetns] | None = None
        self.sandbox_id = ""

    async def _netns(self) -> PodNetns:
        found = self._found
        if found is None or (found.done() and (found.cancelled() or found.exception() is not None)):
            found = self._found = asyncio.ensure_future(self.find(self.runtime, self.uid))
        netns = await asyncio.shield(found)
        self.sandbox_id = netns.sandbox_id
        return netns

    async def dial(self, port: int) -> socket.socket:
        try:
            return await (await self._netns()).dial(port)
        except NetnsGone:
            self._found = None
            return await (await self._netns()).dial(port)

    def describe(self) -> str:
        """The kubelet's CRI wording: the sandbox as the pod, an empty uid."""
        return f"{self.sandbox_id or self.uid}, uid "

    def close(self) -> None:
        if self._found is not None and not self._found.done():
            self._found.cancel()
        elif self._found is not None and not self._found.cancelled():
            self._found.exception()  # retrieved: no "never retrieved" warning at exit


def _offered_subprotocols(request: web.Request) -> list[str]:
    return [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]


def _is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def _is_spdy(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "spdy/3.1" and \
        "upgrade" in request.headers.get("Connection", "").lower()


async def _serve_spdy_websocket(request: web.Request, netns: LazyNetns) -> web.StreamResponse:
    ws = web.WebSocketResponse(protocols=(SPDY_TUNNEL,), max_msg_size=16 << 20, autoping=True)
    await ws.prepare(request)
    forward = SpdyPortForward(netns.dial, netns.describe)
    session = SpdySession(WebSocketBytes(ws), forward.accept, forward.handle)
    with LIVE.track("spdy-websocket", session):
        await session.run()
    await ws.close()
    return ws


async def _serve_v4(request: web.Request, netns: LazyNetns, ports: list[int]) -> web.StreamResponse:
    offered = _offered_subprotocols(request)
    ws = web.WebSocketResponse(protocols=(V4_BINARY, V4_BASE64) if offered else (), max_msg_size=16 << 20)
    await ws.prepare(request)
    session = V4Session()
    with LIVE.track("v4", session):
        await serve_v4(ws, ports, netns.dial, netns.describe, session)
    return ws


async def _serve_spdy_upgrade(request: web.Request, netns: LazyNetns) -> web.StreamResponse:
    versions = [v.strip() for h in request.headers.getall("X-Stream-Protocol-Version", []) for v in h.split(",")]
    if versions and PROTOCOL not in versions:
        return status(400, "BadRequest", f"unable to upgrade: unable to negotiate protocol: client supports "
                      f"{versions}, server supports [{PROTOCOL}]")
    conn = UpgradedConnection.take_over(request, {"Connection": "Upgrade", "Upgrade": "SPDY/3.1",
                                                  "X-Stream-Protocol-Version": PROTOCOL})
    forward = SpdyPortForward(netns.dial, netns.describe)
    session = SpdySession(conn, forward.accept, forward.handle)
    try:
        with LIVE.track("spdy", session):
            await session.run()
    finally:
        release(request)  # the socket is the session's now, and closed: aiohttp must forget it
    return TakenOver()


def add_port_forward_routes(app: web.Application, lookup: AgentFor, guard: Guard | None = None,
                            find_netns: FindNetns = pod_netns, registry: CollectorRegistry | None = None) -> None:
    if registry is not None:
        with contextlib.suppress(ValueError):  # already on this registry (a second app in one process)
            registry.register(LIVE)

    async def port_forward(request: web.Request) -> web.StreamResponse:
        refused = guard(request) if guard is not None else None  # else: the app's door decided
        if refused is not None:
            return refused
        ns, name = request.match_info["namespace"], request.match_info["pod"]
        found = lookup(ns, name)
        if found is None:
            return status(404, "NotFound", f'pod "{name}" not found on this node')
        pod, runtime = found
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        if request.match_info.get("uid") and request.match_info["uid"] != uid:
            return status(404, "NotFound", f'pod "{name}" with uid {request.match_info["uid"]} not found')
        netns = LazyNetns(runtime, uid, find_netns)
        try:
            if _is_websocket(request):
                offered = _offered_subprotocols(request)
                if SPDY_TUNNEL in offered:
                    return await _serve_spdy_websocket(request, netns)
                if offered and not set(offered) & {V4_BINARY, V4_BASE64}:
                    return status(400, "BadRequest", f"unable to upgrade: none of the WebSocket subprotocols "
                                  f"{offered} is served here (served: {', '.join(WS_PROTOCOLS)})")
                try:
                    ports = parse_ports(request.query.getall("ports", []))
                except ValueError as exc:
                    return status(400, "BadRequest", str(exc))
                return await _serve_v4(request, netns, ports)
            if _is_spdy(request):
                return await _serve_spdy_upgrade(request, netns)
            return status(400, "BadRequest", "unable to upgrade: port-forward needs a WebSocket upgrade "
                          f"({', '.join(WS_PROTOCOLS)}) or Upgrade: SPDY/3.1")
        finally:
            netns.close()

    for path in ("/portForward/{namespace}/{pod}", "/portForward/{namespace}/{pod}/{uid}"):
        app.router.add_route("GET", path, port_forward)
        app.router.add_route("POST", path, port_forward)
