"""The two byte pipes a SPDY session runs on: an HTTP connection taken over after `101 Switching
Protocols` (kubectl's `Upgrade: SPDY/3.1`), and WebSocket binary messages (kubectl >= 1.30's
`SPDY/3.1+portforward.k8s.io` tunnel, where message boundaries mean nothing: it is a byte stream).
"""

from __future__ import annotations

import asyncio
from collections import deque

from aiohttp import WSMsgType, web

READ_BUFFER = 1 << 20  # bytes received but not yet parsed before the socket stops being read


class UpgradedConnection(asyncio.Protocol):
    """The raw connection after the 101: this protocol replaces aiohttp's on the (TLS) transport."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._eof = False
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._reading_paused = False

    @classmethod
    def take_over(cls, request: web.Request, headers: dict[str, str]) -> UpgradedConnection:
        """Answer 101 with `headers` and take the connection from aiohttp, in one step of the loop
        (nothing can arrive between the answer and the switch)."""
        transport = request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("the client went away before the upgrade")
        head = "HTTP/1.1 101 Switching Protocols\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        conn = cls(transport)  # type: ignore[arg-type]
        transport.write(head.encode("latin-1") + b"\r\n")
        transport.set_protocol(conn)
        return conn

    # asyncio.Protocol
    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered >= READ_BUFFER and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()
        self._readable.set()

    def eof_received(self) -> bool:
        self._eof = True
        self._readable.set()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._readable.set()
        self._writable.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # ByteTransport
    async def recv(self) -> bytes:
        while not self._chunks:
            if self._eof:
                return b""
            self._readable.clear()
            await self._readable.wait()
        data = self._chunks.popleft() if len(self._chunks) == 1 else b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        if self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    async def send(self, chunks: list[bytes]) -> None:
        if self.transport.is_closing():
            raise ConnectionResetError("connection closed")
        self.transport.writelines(chunks)
        await self._writable.wait()
        if self.transport.is_closing() and self._eof:
            raise ConnectionResetError("connection closed")

    def close(self) -> None:
        self.transport.close()


class WebSocketBytes:
    """A byte stream over WebSocket binary messages (gorilla's NextReader/NextWriter on the peer)."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def recv(self) -> bytes:
        while True:
            msg = await self.ws.receive()
            if msg.type == WSMsgType.BINARY:
                if msg.data:
                    return bytes(msg.data)
                continue
            if msg.type in (WSMsgType.PING, WSMsgType.PONG):
                continue
            return b""  # close, error, or a text message (not this protocol): the session ends

    async def send(self, chunks: list[bytes]) -> None:
        if self.ws.closed:
            raise ConnectionResetError("websocket closed")
        await self.ws.send_bytes(chunks[0] if len(chunks) == 1 else b"".join(chunks))

    def close(self) -> None:
        """The handler closes the WebSocket (with a close frame) once the session's run() returned."""
