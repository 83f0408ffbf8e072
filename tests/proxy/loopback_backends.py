"""Tiny TCP backends on 127.0.0.1 that answer with their own name, for userspace tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


@contextlib.asynccontextmanager
async def named_backends(names: list[str]) -> AsyncIterator[dict[str, int]]:
    """Start one server per name; yields name -> port. Each reply is the name, then close."""

    def handler_for(name: str):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(1024)
            writer.write(name.encode())
            await writer.drain()
            writer.close()
        return handle

    servers = [await asyncio.start_server(handler_for(n), "127.0.0.1", 0) for n in names]
    try:
        yield {n: s.sockets[0].getsockname()[1] for n, s in zip(names, servers, strict=True)}
    finally:
        for s in servers:
            s.close()


async def ask(port: int, host: str = "127.0.0.1") -> str:
    """Send one request line and return what came back ('' if closed without an answer)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
    try:
        writer.write(b"GET / HTTP/1.0\r\n\r\n")
        await writer.drain()
        return (await asyncio.wait_for(reader.read(), 10)).decode()
    finally:
        writer.close()
