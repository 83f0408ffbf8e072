"""A small SPDY port-forward client for tests, doing what kubectl does per connection (an error stream,
half-closed at once, then a data stream; a reset of the data stream once its answer ended), over a
plain `Upgrade: SPDY/3.1` connection or a `SPDY/3.1+portforward.k8s.io` WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp

from kube.node import spdy_frames as f


@dataclass
class _StreamView:
    data: bytearray = field(default_factory=bytearray)
    replied: bool = False
    fin: bool = False
    reset: int | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class SpdyClient:
    def __init__(self) -> None:
        self.codec = f.HeaderCodec()
        self.parser = f.FrameParser(f.HeaderCodec())
        self.streams: dict[int, _StreamView] = defaultdict(_StreamView)
        self.frames: list[f.Frame] = []
        self.next_id = 1
        self.next_request = 0
        self.ended = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._http: aiohttp.ClientSession | None = None

    @classmethod
    async def upgrade(cls, port: int, path: str = "/portForward/default/x", *, tls: ssl.SSLContext | None = None,
                      extra: str = "") -> SpdyClient:
        self = cls()
        reader, self._writer = await asyncio.open_connection("127.0.0.1", port, ssl=tls)
        self._writer.write(f"POST {path} HTTP/1.1\r\nHost: node\r\nContent-Length: 0\r\nConnection: Upgrade\r\n"
                           f"Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n{extra}\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        self._reader = asyncio.ensure_future(self._read_stream(reader))
        return self

    @classmethod
    async def websocket(cls, url: str, *, tls: ssl.SSLContext | bool = False, headers: dict[str, str] | None = None,
                        ) -> SpdyClient:
        self = cls()
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(url, protocols=("SPDY/3.1+portforward.k8s.io",), ssl=tls,
                                               headers=headers or {})
        self._reader = asyncio.ensure_future(self._read_ws())
        return self

    def _got(self, data: bytes) -> None:
        for frame in self.parser.feed(data):
            self.frames.append(frame)
            sid = getattr(frame, "stream_id", 0)
            view = self.streams[sid]
            match frame:
                case f.Data():
                    view.data += frame.data
                    view.fin = view.fin or bool(frame.flags & f.FLAG_FIN)
                case f.SynReply():
                    view.replied = True
                case f.RstStream():
                    view.reset = frame.status
            view.changed.set()

    async def _read_stream(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(1 << 16):
                self._got(data)
        self._end()

    async def _read_ws(self) -> None:
        assert self._ws is not None
        async for msg in self._ws:
            if msg.type == aiohttp.WSMsgType.BINARY:
                self._got(msg.data)
        self._end()

    def _end(self) -> None:
        self.ended.set()
        for view in self.streams.values():
            view.changed.set()

    async def send(self, frame: f.Frame) -> None:
        await self.send_raw(f.encode(frame, self.codec))

    async def send_raw(self, data: bytes) -> None:
        if self._writer is not None:
            self._writer.write(data)
            await self._writer.drain()
        else:
            assert self._ws is not None
            await self._ws.send_bytes(data)

    async def open_pair(self, port: int) -> tuple[int, int]:
        """(error stream id, data stream id), the order and headers kubectl uses."""
        rid = str(self.next_request)
        self.next_request += 1
        error, data = self.next_id, self.next_id + 2
        self.next_id += 4
        await self.send(f.SynStream(error, (("streamtype", "error"), ("port", str(port)), ("requestid", rid))))
        await self.send(f.Data(error, b"", f.FLAG_FIN))
        await self.send(f.SynStream(data, (("streamtype", "data"), ("port", str(port)), ("requestid", rid))))
        return error, data

    async def wait(self, sid: int, until: str = "fin", timeout: float = 30.0) -> _StreamView:
        view = self.streams[sid]

        async def ready() -> None:
            while not (getattr(view, until) or view.reset is not None or self.ended.is_set()):
                view.changed.clear()
                await view.changed.wait()

        await asyncio.wait_for(ready(), timeout)
        return view

    async def request(self, port: int, payload: bytes, half_close: bool = False) -> tuple[bytes, bytes]:
        """One forwarded connection: (what the pod answered, what the error stream said)."""
        error, data = await self.open_pair(port)
        await self.send(f.Data(data, payload, f.FLAG_FIN if half_close else 0))
        answer = bytes((await self.wait(data)).data)
        await self.send(f.RstStream(data, f.CANCEL))
        message = bytes((await self.wait(error)).data)
        return answer, message

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 10)
