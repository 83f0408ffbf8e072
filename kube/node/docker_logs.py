"""Container logs straight from dockerd's HTTP API over its unix socket (async, so a
followed log ends the moment its reader goes away, with no thread left blocked)."""

from __future__ import annotations

import asyncio
import os
import struct
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

DOCKER_SOCKET = "/var/run/docker.sock"


def _socket_path() -> str:
    host = os.environ.get("DOCKER_HOST", "")
    return host.removeprefix("unix://") if host.startswith("unix://") else DOCKER_SOCKET


async def demultiplex(stream: aiohttp.StreamReader) -> AsyncIterator[bytes]:
    """Docker's log framing (non-TTY): 8-byte header [stream, 0, 0, 0, size(4, big-endian)] + payload."""
    while True:
        try:
            header = await stream.readexactly(8)
        except asyncio.IncompleteReadError:
            return  # the log ended
        size = struct.unpack(">I", header[4:])[0]
        if size:
            yield await stream.readexactly(size)


async def container_log_stream(runtime: Any, uid: str, container: str, follow: bool,
                               tail_lines: int | None) -> AsyncIterator[bytes]:
    """The newest attempt's log of `container` in pod `uid`; LookupError when it has none."""
    docker_id = await runtime.latest_container_id(uid, container)
    if not docker_id:
        raise LookupError(f'container "{container}" in pod is waiting to start: no log yet')
    params = {"stdout": "1", "stderr": "1", "follow": "1" if follow else "0",
              "tail": "all" if tail_lines is None else str(tail_lines)}
    connector = aiohttp.UnixConnector(path=_socket_path())
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session, \
            session.get(f"http://docker/containers/{docker_id}/logs", params=params) as resp:
        if resp.status != 200:
            raise LookupError(f"docker logs {docker_id[:12]}: {(await resp.text()).strip()}")
        async for chunk in demultiplex(resp.content):  # (containers with tty: true are not supported)
            yield chunk
