"""The server side of one SPDY/3.1 session: peer-opened streams, their data, flow control, PING, GOAWAY.

The peer (kubectl, through moby/spdystream) opens every stream; this side replies to or resets each
one, reads and writes its data and half-closes it with FIN. All frames leave through ONE writer task,
so header blocks reach the wire in the order their zlib stream compressed them.

Flow control: received data is acknowledged with WINDOW_UPDATEs (per stream and for the session, as
3.1 asks) once the reader consumed half a window. spdystream neither sends nor honours them, so the
send side holds to the peer's windows only once the peer shows it keeps them (a WINDOW_UPDATE or an
initial-window SETTINGS); otherwise a slow peer is held back by TCP itself, like the kubelet's.
Memory stays bounded either way: a stream whose unread data passes READ_LIMIT stops the read loop
until its reader catches up (spdystream's own head-of-line behaviour).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from kube.node import spdy_frames as f

log = logging.getLogger("kube.node.spdy")
READ_LIMIT = 1 << 20  # unread bytes of one stream before the session stops reading
WRITE_HIGH = 1 << 20  # queued outgoing bytes before writers wait
MAX_DATA_FRAME = 64 * 1024


class ByteTransport(Protocol):
    """What a session runs on: an upgraded connection, or WebSocket binary messages."""

    async def recv(self) -> bytes:  # b"" at the end
        ...

    async def send(self, chunks: list[bytes]) -> None:
        ...

    def close(self) -> None:
        ...


class StreamReset(Exception):
    """The stream was reset (by either side) or its session ended."""


class Stream:
    def __init__(self, session: SpdySession, stream_id: int, headers: f.Headers, fin: bool) -> None:
        self.session, self.id = session, stream_id
        self.headers = {name: value for name, value in headers}
        self._chunks: deque[bytes] = deque()
        self.unread = 0
        self._readable = asyncio.Event()
        self.remote_closed = fin
        self.local_closed = False
        self.was_reset = False
        self.gone = asyncio.Event()  # set once the stream is reset or its session ended
        self._unacked = 0  # bytes read since the last WINDOW_UPDATE
        self.send_window = session.initial_send_window
        self._window_open = asyncio.Event()
        self._window_open.set()

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    # --- reading -----------------------------------------------------------------------------------

    def _received(self, data: bytes, fin: bool) -> None:
        if data:
            self._chunks.append(data)
            self.unread += len(data)
        if fin:
            self.remote_closed = True
        self._readable.set()

    async def read(self) -> bytes:
        """The next bytes from the peer; b"" once it half-closed (FIN) or the stream is gone."""
        while not self._chunks:
            if self.remote_closed or self.was_reset:
                return b""
            self._readable.clear()
            await self._readable.wait()
        data = self._chunks.popleft()
        self.unread -= len(data)
        self._unacked += len(data)
        self.session._consumed(self, len(data))
        return data

    # --- writing -----------------------------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        if self.was_reset or self.session.closed:
            raise StreamReset(f"stream {self.id} is reset")
        if self.local_closed:
            raise StreamReset(f"stream {self.id} is closed for writing")
        view = memoryview(data)
        while view:
            size = min(len(view), MAX_DATA_FRAME)
            if self.session.peer_flow_control:
                while min(self.send_window, self.session.send_window) <= 0:
                    self._window_open.clear()
                    await self._window_open.wait()
                    if self.was_reset or self.session.closed:
                        raise StreamReset(f"stream {self.id} is reset")
                size = min(size, self.send_window, self.session.send_window)
                self.send_window -= size
                self.session.send_window -= size
            self.session._queue(f.encode_data(self.id, bytes(view[:size])))
            view = view[size:]
            await self.session._room()

    async def close(self) -> None:
        """Half-close: a FIN, as spdystream's Stream.Close does."""
        if not (self.local_closed or self.was_reset or self.session.closed):
            self.local_closed = True
            self.session._queue(f.encode_data(self.id, b"", f.FLAG_FIN))
            self.session._maybe_forget(self)

    def reset(self, status: int = f.CANCEL) -> None:
        if not (self.was_reset or self.session.closed):
            self.session._send(f.RstStream(self.id, status))
        self._gone()

    def _gone(self) -> None:
        self.was_reset = True
        self.gone.set()
        self._readable.set()
        self._window_open.set()
        self.session.streams.pop(self.id, None)


Accept = Callable[[Stream], bool]
Handler = Callable[[Stream], Coroutine[Any, Any, None]]


class SpdySession:
    """accept(stream) decides at SYN_STREAM (True: SYN_REPLY, False: RST); handle(stream) then runs."""

    def __init__(self, transport: ByteTransport, accept: Accept, handle: Handler) -> None:
        self.transport = transport
        self.codec = f.HeaderCodec()
        self.parser = f.FrameParser(self.codec)
        self.accept, self.handle = accept, handle
        self.streams: dict[int, Stream] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.last_stream_id = 0
        self.closed = False
        self.going_away = False
        self.peer_flow_control = False
        self.initial_send_window = f.DEFAULT_WINDOW
        self.send_window = f.DEFAULT_WINDOW
        self._session_unacked = 0
        self._out: list[bytes] = []
        self._out_bytes = 0
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._resume_read = asyncio.Event()

    # --- output ------------------------------------------------------------------------------------

    def _queue(self, data: bytes) -> None:
        self._out.append(data)
        self._out_bytes += len(data)
        if self._out_bytes >= WRITE_HIGH:
            self._drained.clear()
        self._wake.set()

    def _send(self, frame: f.Frame) -> None:
        self._queue(f.encode(frame, self.codec))

    async def _room(self) -> None:
        if not self._drained.is_set():
            await self._drained.wait()
            if self.closed:
                raise StreamReset("session closed")

    async def _writer(self) -> None:
        """Sends whatever is queued, batched; returns once the session is closed and nothing is left."""
        while True:
            if not self._out:
                if self.closed:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            chunks, self._out, self._out_bytes = self._out, [], 0
            self._drained.set()
            try:
                await self.transport.send(chunks)
            except (ConnectionError, RuntimeError) as exc:  # the peer is gone: so is every stream
                log.debug("SPDY write failed: %s", exc)
                self.closed = True
                self._drained.set()
                self.transport.close()
                return

    # --- flow control ------------------------------------------------------------------------------

    def _consumed(self, stream: Stream, size: int) -> None:
        if stream._unacked >= f.DEFAULT_WINDOW // 2 and not (stream.remote_closed or stream.was_reset):
            self._send(f.WindowUpdate(stream.id, stream._unacked))
            stream._unacked = 0
        self._session_unacked += size
        if self._session_unacked >= f.DEFAULT_WINDOW // 2:
            self._send(f.WindowUpdate(0, self._session_unacked))
            self._session_unacked = 0
        if stream.unread < READ_LIMIT:
            self._resume_read.set()

    def _window_update(self, frame: f.WindowUpdate) -> None:
        self.peer_flow_control = True
        if frame.stream_id == 0:
            self.send_window += frame.delta
            for stream in self.streams.values():
                stream._window_open.set()
        elif (stream := self.streams.get(frame.stream_id)) is not None:
            stream.send_window += frame.delta
            stream._window_open.set()

    def _settings(self, frame: f.Settings) -> None:
        for _flags, key, value in frame.entries:
            if key == f.SETTINGS_INITIAL_WINDOW_SIZE:
                self.peer_flow_control = True
                for stream in self.streams.values():  # 3.1: the change applies to open streams too
                    stream.send_window += value - self.initial_send_window
                    stream._window_open.set()
                self.initial_send_window = value

    # --- input -------------------------------------------------------------------------------------

    def _syn_stream(self, frame: f.SynStream) -> None:
        sid = frame.stream_id
        if sid % 2 == 0 or sid <= self.last_stream_id:
            self._send(f.RstStream(sid, f.PROTOCOL_ERROR))
            return
        self.last_stream_id = sid
        if self.going_away:
            self._send(f.RstStream(sid, f.REFUSED_STREAM))
            return
        stream = Stream(self, sid, frame.headers, bool(frame.flags & f.FLAG_FIN))
        if frame.flags & f.FLAG_UNIDIRECTIONAL:
            stream.local_closed = True
        self.streams[sid] = stream
        if not self.accept(stream):
            stream.reset(f.CANCEL)
            return
        self._send(f.SynReply(sid, ()))
        task = asyncio.ensure_future(self._run_handler(stream))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run_handler(self, stream: Stream) -> None:
        try:
            await self.handle(stream)
        except StreamReset:
            pass
        except Exception:  # a handler bug must not end the other streams
            log.exception("port-forward stream %d failed", stream.id)
            stream.reset(f.INTERNAL_ERROR)

    def _maybe_forget(self, stream: Stream) -> None:
        if stream.local_closed and stream.remote_closed and not stream.unread:
            self.streams.pop(stream.id, None)

    def _frame(self, frame: f.Frame) -> None:
        match frame:
            case f.Data():
                stream = self.streams.get(frame.stream_id)
                if stream is None:
                    if frame.stream_id > self.last_stream_id:
                        self._send(f.RstStream(frame.stream_id, f.INVALID_STREAM))
                    return  # data for a stream already finished: dropped
                if stream.remote_closed:
                    stream.reset(f.STREAM_ALREADY_CLOSED)
                    return
                stream._received(frame.data, bool(frame.flags & f.FLAG_FIN))
            case f.SynStream():
                self._syn_stream(frame)
            case f.RstStream():
                if (stream := self.streams.get(frame.stream_id)) is not None:
                    stream._gone()
            case f.Ping():
                if frame.ping_id % 2 == 1:  # the peer's ping: echo it; even ids would answer ours
                    self._send(frame)
            case f.GoAway():
                self.going_away = True
            case f.WindowUpdate():
                self._window_update(frame)
            case f.Settings():
                self._settings(frame)
            case f.HeadersFrame():
                if (stream := self.streams.get(frame.stream_id)) is not None and frame.flags & f.FLAG_FIN:
                    stream._received(b"", True)
            case _:
                pass  # SYN_REPLY: this side opens no streams

    async def run(self) -> None:
        """Serve until the transport ends or the peer breaks the protocol; then end every stream."""
        writer = asyncio.ensure_future(self._writer())
        try:
            while True:
                data = await self.transport.recv()
                if not data:
                    break
                for frame in self.parser.feed(data):
                    self._frame(frame)
                while any(s.unread >= READ_LIMIT for s in self.streams.values()):
                    self._resume_read.clear()
                    await self._resume_read.wait()
        except f.SpdyError as exc:
            log.info("SPDY session ended: %s", exc)
            if exc.stream_id:
                self._send(f.RstStream(exc.stream_id, exc.status))
            else:
                self._send(f.GoAway(self.last_stream_id, f.GOAWAY_PROTOCOL_ERROR))
        finally:
            await self._shutdown(writer)

    async def _shutdown(self, writer: asyncio.Task[None]) -> None:
        for stream in list(self.streams.values()):
            stream._gone()
        if self.tasks:  # handlers see their streams end and clean up; the ones stuck elsewhere are cancelled
            await asyncio.wait(list(self.tasks), timeout=1.0)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.closed = True
        self._wake.set()
        self._drained.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer, 5.0)
        writer.cancel()
        with contextlib.suppress(BaseException):
            await writer
        self.transport.close()
