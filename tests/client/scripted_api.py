"""A scripted HTTP API on loopback: each request gets the next answer from a list, and is recorded.

For client behaviour that a real API server will not produce on demand (a 429, a
broken connection, a 410 at a chosen moment)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web

from tests.conftest import free_port


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason,
            "message": message}


def event(kind: str, obj: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": kind, "object": obj}) + b"\n"


def streaming(lines: list[bytes], chunk: int = 7, hold: Any = None) -> Callable[[web.Request], Any]:
    """A watch answer: the events written in `chunk`-byte pieces, then (if `hold` is an Event) kept open."""
    async def answer(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        data = b"".join(lines)
        for i in range(0, len(data), chunk):  # split anywhere, even inside an event
            await resp.write(data[i:i + chunk])
        if hold is not None:
            await hold.wait()
        await resp.write_eof()
        return resp

    return answer


def dropped(lines: list[bytes], tail: bytes = b"", status_code: int = 200) -> Callable[[web.Request], Any]:
    """An answer whose connection dies mid-body, as when the API server is SIGKILLed: the lines,
    then `tail` (e.g. half an event), then the socket is closed without ending the chunked body
    (the client sees aiohttp.ClientPayloadError)."""
    async def answer(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(status=status_code, headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for line in lines:
            await resp.write(line)
        if tail:
            await resp.write(tail)
        assert request.transport is not None
        request.transport.abort()
        return resp

    return answer


class Scripted:
    """An HTTP server whose answers come from a list, one per request; it records what it got."""

    def __init__(self) -> None:
        self.answers: list[Callable[[web.Request], Any]] = []
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs, dict(request.headers), await request.read()))
        answer = self.answers.pop(0) if self.answers else (lambda r: web.json_response({"ok": True}))
        result = answer(request)
        if hasattr(result, "__await__"):
            result = await result
        return result


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    srv = Scripted()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", srv.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    srv.url = f"http://127.0.0.1:{port}"
    yield srv
    await runner.cleanup()
