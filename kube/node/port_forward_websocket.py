"""Port-forward over the `v4.channel.k8s.io` WebSocket protocol (the Python client's `portforward()`).

The ports come in the query (`?ports=80,8080`); port i gets data channel 2i (both ways) and error
channel 2i+1 (server to client). Every message is one channel byte then its data; the first message
the server sends on each channel is the port as 2 little-endian bytes. One connection to the pod per
port, for the WebSocket's life; a port whose dial fails reports on its error channel and the others go
on; the WebSocket closes once every port is done or the client left. `v4.base64.channel.k8s.io` is the
same with text messages: the channel as an ASCII digit, then the data in base64.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Callable

from aiohttp import WSMsgType, web

from kube.node.port_forward_netns import DialError
from kube.node.port_forward_spdy import READ_SIZE, Dial

log = logging.getLogger("kube.node.portforward")
V4_BINARY = "v4.channel.k8s.io"
V4_BASE64 = "v4.base64.channel.k8s.io"
INBOUND_QUEUE = 64  # messages buffered per port before the WebSocket stops being read


def parse_ports(values: list[str]) -> list[int]:
    """The `ports` query values as the kubelet reads them (ValueError with its message)."""
    if not values:
        raise ValueError('query parameter "ports" is required')
    ports = []
    for value in values:
        if not value:
            raise ValueError('query parameter "ports" cannot be empty')
        for part in value.split(","):
            if not part.strip().isdigit() or int(part) > 65535:
                raise ValueError(f"unable to parse {value!r} as a port")
            if int(part) < 1:
                raise ValueError(f"port {value!r} must be > 0")
            ports.append(int(part))
    return ports


class ChannelSocket:
    """Channel framing over one WebSocket; sends are serialised so messages never interleave."""

    def __init__(self, ws: web.WebSocketResponse, base64_text: bool) -> None:
        self.ws, self.base64_text = ws, base64_text
        self._lock = asyncio.Lock()

    async def send(self, channel: int, data: bytes) -> None:
        async with self._lock:
            if self.base64_text:
                await self.ws.send_str(chr(ord("0") + channel) + base64.b64encode(data).decode())
            else:
                await self.ws.send_bytes(bytes((channel,)) + data)

    def decode(self, msg_type: WSMsgType, data: bytes | str) -> tuple[int, bytes] | None:
        if msg_type == WSMsgType.BINARY and not self.base64_text and data:
            assert isinstance(data, bytes | bytearray)
            return data[0], bytes(data[1:])
        if msg_type == WSMsgType.TEXT and self.base64_text and data:
            assert isinstance(data, str)
            try:
                return ord(data[0]) - ord("0"), base64.b64decode(data[1:], validate=True)
            except ValueError:
                return None
        return None


async def _forward_port(index: int, port: int, dial: Dial, describe: Callable[[], str], chan: ChannelSocket,
                        inbound: asyncio.Queue[bytes | None]) -> None:
    try:
        sock = await dial(port)
    except DialError as exc:
        message = f"error forwarding port {port} to pod {describe()}: {exc}"
        log.info("%s", message)
        await chan.send(2 * index + 1, message.encode())
        return
    reader, writer = await asyncio.open_connection(sock=sock, limit=READ_SIZE)

    async def down() -> None:
        while data := await reader.read(READ_SIZE):
            await chan.send(2 * index, data)

    async def up() -> None:
        while (data := await inbound.get()) is not None:
            writer.write(data)
            await writer.drain()

    tasks = [asyncio.ensure_future(down()), asyncio.ensure_future(up())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)  # the pod closed, or the client left
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


class V4Session:
    """One v4 WebSocket: its per-port forwarding tasks (what the node's metrics count)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()


async def serve_v4(ws: web.WebSocketResponse, ports: list[int], dial: Dial, describe: Callable[[], str],
                   session: V4Session | None = None) -> None:
    chan = ChannelSocket(ws, ws.ws_protocol == V4_BASE64)
    for i, port in enumerate(ports):
        for channel in (2 * i, 2 * i + 1):
            await chan.send(channel, port.to_bytes(2, "little"))
    queues: list[asyncio.Queue[bytes | None]] = [asyncio.Queue(INBOUND_QUEUE) for _ in ports]
    forwards = [asyncio.ensure_future(_forward_port(i, p, dial, describe, chan, queues[i]))
                for i, p in enumerate(ports)]
    if session is not None:
        session.tasks.update(forwards)
        for task in forwards:
            task.add_done_callback(session.tasks.discard)
    all_done = asyncio.ensure_future(asyncio.wait(forwards))

    async def read_client() -> None:
        async for msg in ws:
            decoded = chan.decode(msg.type, msg.data)
            if decoded is None:
                continue
            channel, data = decoded
            if channel % 2 or channel // 2 >= len(ports) or not data or forwards[channel // 2].done():
                continue  # an error channel, no such port, or a port already finished (its dial failed)
            queue, forward = queues[channel // 2], forwards[channel // 2]
            if not queue.full():
                queue.put_nowait(data)
                continue
            put = asyncio.ensure_future(queue.put(data))  # backpressure, unless the port ends meanwhile
            await asyncio.wait({put, forward}, return_when=asyncio.FIRST_COMPLETED)
            put.cancel()
        for queue in queues:  # the client left: every port's upward copy ends
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    reader = asyncio.ensure_future(read_client())
    try:
        await asyncio.wait({all_done, reader}, return_when=asyncio.FIRST_COMPLETED)
        if reader.done():  # give the forwards a moment to see the None and close their sockets
            await asyncio.wait(forwards, timeout=1.0)
    finally:
        for task in (*forwards, reader, all_done):
            task.cancel()
        await asyncio.gather(*forwards, reader, all_done, return_exceptions=True)
        await ws.close()
