"""Port-forward over SPDY (kubectl): each forwarded connection is a pair of peer-opened streams.

kubectl opens, per local connection, an `error` stream then a `data` stream, both with headers
`streamtype`, `port` and `requestid` (the kubelet's httpstream handler semantics). Once both of a
request id are there, the node dials the port inside the pod and copies bytes both ways on the data
stream; a failure is written as text on the error stream, which is then closed (kubectl reads it to
its end before it lets the local connection go). One pair's failure touches no other pair.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from kube.node.port_forward_netns import DialError
from kube.node.spdy_session import Stream, StreamReset

log = logging.getLogger("kube.node.portforward")
Dial = Callable[[int], Awaitable[socket.socket]]
STREAM_CREATION_TIMEOUT = 30.0  # the kubelet's default: the second stream of a pair must come by then
READ_SIZE = 256 * 1024


@dataclass
class _Pair:
    request_id: str
    data: Stream | None = None
    error: Stream | None = None
    complete: asyncio.Event = field(default_factory=asyncio.Event)


def valid_stream_headers(stream: Stream) -> str:
    """Why the kubelet would refuse this stream ("" when it is fine)."""
    port = stream.header("port")
    if not port:
        return '"port" header is required'
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f"unable to parse {port!r} as a port"
    if stream.header("streamtype") not in ("error", "data"):
        return f'invalid stream type {stream.header("streamtype")!r}'
    return ""


async def pump_socket_to_stream(reader: asyncio.StreamReader, stream: Stream) -> None:
    while data := await reader.read(READ_SIZE):
        await stream.write(data)
    await stream.close()


async def pump_stream_to_socket(stream: Stream, writer: asyncio.StreamWriter) -> None:
    while data := await stream.read():
        writer.write(data)
        await writer.drain()
    if not writer.is_closing() and writer.can_write_eof():
        writer.write_eof()  # the client half-closed: so does the pod's side, its answer may still come


async def copy_both_ways(sock: socket.socket, stream: Stream) -> None:
    """Until the pod's side ended (FIN sent to the client) or the client reset the stream."""
    reader, writer = await asyncio.open_connection(sock=sock, limit=READ_SIZE)
    down = asyncio.ensure_future(pump_socket_to_stream(reader, stream))
    up = asyncio.ensure_future(pump_stream_to_socket(stream, writer))
    gone = asyncio.ensure_future(stream.gone.wait())
    try:
        pending: set[asyncio.Future[object]] = {down, up, gone}
        while down in pending and not gone.done():
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (down, up, gone):
            task.cancel()
        await asyncio.gather(down, up, gone, return_exceptions=True)
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


class SpdyPortForward:
    """The accept/handle pair a SpdySession calls, for one pod."""

    def __init__(self, dial: Dial, describe: Callable[[], str],
                 creation_timeout: float = STREAM_CREATION_TIMEOUT) -> None:
        self.dial, self.describe = dial, describe
        self.creation_timeout = creation_timeout
        self.pairs: dict[str, _Pair] = {}

    def accept(self, stream: Stream) -> bool:
        problem = valid_stream_headers(stream)
        if problem:
            log.info("port-forward stream %d refused: %s", stream.id, problem)
        return not problem

    def _request_id(self, stream: Stream) -> str:
        found = stream.header("requestid")
        if found:
            return found
        # clients older than request ids: error and data of one connection are consecutive odd ids
        return str(stream.id if stream.header("streamtype") == "error" else stream.id - 2)

    async def handle(self, stream: Stream) -> None:
        request_id = self._request_id(stream)
        pair = self.pairs.setdefault(request_id, _Pair(request_id))
        kind = stream.header("streamtype")
        if getattr(pair, kind) is not None:
            await self._fail(pair, f"error processing stream for request {request_id}: {kind} stream already assigned")
            stream.reset()
            return
        setattr(pair, kind, stream)
        if pair.data is None or pair.error is None:
            try:
                await asyncio.wait_for(pair.complete.wait(), self.creation_timeout)
            except TimeoutError:
                self.pairs.pop(request_id, None)
                await self._fail(pair, f"(request={request_id}) timed out waiting for streams")
                await stream.close()
            return
        pair.complete.set()
        self.pairs.pop(request_id, None)
        await self._forward(pair)

    async def _fail(self, pair: _Pair, message: str) -> None:
        if pair.error is not None and not pair.error.was_reset:
            with contextlib.suppress(StreamReset):
                await pair.error.write(message.encode())
                await pair.error.close()

    async def _forward(self, pair: _Pair) -> None:
        assert pair.data is not None and pair.error is not None
        port = int(pair.data.header("port"))
        try:
            try:
                sock = await self.dial(port)
            except DialError as exc:
                message = f"error forwarding port {port} to pod {self.describe()}: {exc}"
                log.info("%s", message)
                await self._fail(pair, message)
                await pair.data.close()
                return
            try:
                await copy_both_ways(sock, pair.data)
            finally:
                sock.close()
            await pair.data.close()
            await pair.error.close()
        except StreamReset:
            pass
