"""Userspace mode: NodePorts as asyncio listeners on the host that forward TCP round-robin.

No root and no iptables: useful in containers and on CI machines where the kernel's
NAT tables cannot be changed. Each NodePort service port gets one listener on
`listen_host:nodePort`; every new connection goes to the next ready backend (this node's
only, with externalTrafficPolicy Local), skipping backends that refuse, and bytes are
copied both ways until either side closes. With sessionAffinity ClientIP a client's next
connection within timeoutSeconds goes to the backend it last reached, as the iptables
mode's `recent` lists do.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from kube.proxy.service_targets import Backend, ServiceTarget

log = logging.getLogger("kube.proxy.userspace")

CONNECT_TIMEOUT = 5.0


@dataclass
class PortForwarder:
    """One NodePort listener; `backends` can be swapped while it runs."""

    key: str
    backends: tuple[Backend, ...]
    server: asyncio.Server | None = None
    affinity_seconds: int | None = None
    _turn: itertools.count = field(default_factory=itertools.count)
    _sticky: dict[str, tuple[Backend, float]] = field(default_factory=dict)  # client IP -> (backend, last use)
    connections: int = 0

    def next_backends(self, client: str = "") -> list[Backend]:
        """All backends, starting at the client's sticky one (if fresh) or else the next one
        in round-robin order."""
        if not self.backends:
            return []
        start = next(self._turn) % len(self.backends)
        order = [*self.backends[start:], *self.backends[:start]]
        sticky = self._sticky.get(client) if self.affinity_seconds else None
        if sticky is not None and sticky[0] in order and time.monotonic() - sticky[1] <= self.affinity_seconds:
            order.remove(sticky[0])
            order.insert(0, sticky[0])
        return order

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        client = (writer.get_extra_info("peername") or ("",))[0]
        for backend in self.next_backends(client):
            try:
                up_reader, up_writer = await asyncio.wait_for(
                    asyncio.open_connection(backend.ip, backend.port), CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                log.warning("%s: backend %s:%d failed: %s", self.key, backend.ip, backend.port, exc)
                continue
            if self.affinity_seconds:
                self._sticky[client] = (backend, time.monotonic())
            await _splice(reader, writer, up_reader, up_writer)
            return
        writer.close()  # no ready backend: close at once, as a REJECT would
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (OSError, asyncio.IncompleteReadError):
        pass


async def _splice(r1: asyncio.StreamReader, w1: asyncio.StreamWriter,
                  r2: asyncio.StreamReader, w2: asyncio.StreamWriter) -> None:
    try:
        await asyncio.gather(_pipe(r1, w2), _pipe(r2, w1))
    finally:
        for w in (w1, w2):
            w.close()
            with contextlib.suppress(OSError):
                await w.wait_closed()


class UserspaceProxier:
    """Keeps one listener per TCP NodePort in step with the desired targets."""

    def __init__(self, listen_host: str = "127.0.0.1") -> None:
        self.listen_host = listen_host
        self.forwarders: dict[int, PortForwarder] = {}

    async def apply(self, targets: Iterable[ServiceTarget]) -> None:
        wanted = {t.node_port: t for t in targets if t.node_port and t.protocol == "TCP"}
        chosen = {port: t.local_backends if t.external_local else t.backends for port, t in wanted.items()}
        for port in [p for p in self.forwarders if p not in wanted]:
            await self._close(self.forwarders.pop(port))
        for port, target in wanted.items():
            current = self.forwarders.get(port)
            if current is not None and current.key == target.key:
                current.backends, current.affinity_seconds = chosen[port], target.affinity_seconds
                continue
            if current is not None:
                await self._close(self.forwarders.pop(port))
            forwarder = PortForwarder(target.key, chosen[port], affinity_seconds=target.affinity_seconds)
            try:
                forwarder.server = await asyncio.start_server(forwarder.handle, self.listen_host, port,
                                                              reuse_address=True)
            except OSError as exc:
                log.error("%s: cannot listen on %s:%d: %s", target.key, self.listen_host, port, exc)
                continue
            self.forwarders[port] = forwarder
            log.info("%s: listening on %s:%d", target.key, self.listen_host, port)

    async def close(self) -> None:
        for forwarder in self.forwarders.values():
            await self._close(forwarder)
        self.forwarders.clear()

    @staticmethod
    async def _close(forwarder: PortForwarder) -> None:
        if forwarder.server is not None:
            forwarder.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(forwarder.server.wait_closed(), 2.0)
