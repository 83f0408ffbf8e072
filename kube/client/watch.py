"""A watch stream: newline-delimited JSON events read incrementally.

Lines are split by hand rather than with readline(): a single object may be far
larger than aiohttp's line buffer. A stream that ends inside a line was cut
short (the server went away): that is ApiConnectionError, like every other
transport failure (transport.py), never a decode error. Reconnecting is
retry_watch.py's job.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson

from kube.client.errors import ApiConnectionError, ApiError
from kube.client.transport import Transport

Event = tuple[str, dict[str, Any]]


class WatchStream:
    """Async iterator of (type, object); use `async with` (or `close()`) to drop the connection.

    An ERROR event raises ApiError (GoneError for 410), a broken connection ApiConnectionError;
    the stream ends when the server closes it (timeoutSeconds elapsed)."""

    def __init__(self, transport: Transport, path: str, params: dict[str, str],
                 headers: dict[str, str] | None = None) -> None:
        self._transport = transport
        self._path = path
        self._params = params
        self._headers = headers
        self._queue: asyncio.Queue[Event | BaseException | None] = asyncio.Queue(maxsize=1000)
        self._task: asyncio.Task[None] | None = None
        self._done = False

    def __aiter__(self) -> WatchStream:
        return self

    async def __aenter__(self) -> WatchStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def __anext__(self) -> Event:
        if self._done:
            raise StopAsyncIteration
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._pump())
        item = await self._queue.get()
        if item is None:
            self._done = True
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            self._done = True
            raise item
        return item

    async def close(self) -> None:
        self._done = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _pump(self) -> None:
        try:
            async def read(resp: aiohttp.ClientResponse) -> None:
                if resp.status >= 400:
                    body = await resp.read()
                    try:
                        decoded: Any = orjson.loads(body)
                    except orjson.JSONDecodeError:
                        decoded = body.decode("utf-8", "replace")
                    raise ApiError.from_status(resp.status, decoded)
                async for event in _events(resp, self._transport.server):
                    await self._queue.put(event)

            headers = {"Accept": "application/json", **(self._headers or {})}
            await self._transport.open("GET", self._path, params=self._params, headers=headers,
                                       timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
                                       reader=read)
            await self._queue.put(None)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, who decides
            await self._queue.put(exc)


async def _events(resp: aiohttp.ClientResponse, server: str) -> AsyncIterator[Event]:
    buffer = b""
    async for chunk in resp.content.iter_any():
        buffer += chunk
        while True:
            newline = buffer.find(b"\n")
            if newline < 0:
                break
            line, buffer = buffer[:newline], buffer[newline + 1:]
            if line.strip():
                yield _decode(line)
    if buffer.strip():  # the last event may lack its newline; if it does not decode, it was cut short
        yield _decode(buffer, cut_short_from=server)


def _decode(line: bytes, cut_short_from: str | None = None) -> Event:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if cut_short_from is not None:
            raise ApiConnectionError([cut_short_from], EOFError(
                f"the watch stream ended inside an event ({len(line)} bytes)"), broken=True) from None
        raise ApiError(500, "InternalError", f"malformed watch event: {exc}") from None
    kind = str(event.get("type", ""))
    obj = event.get("object") or {}
    if kind == "ERROR":
        raise ApiError.from_status(int(obj.get("code") or 500), obj)
    return kind, obj
