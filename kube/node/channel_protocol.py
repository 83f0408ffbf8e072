"""The WebSocket channel protocol of exec and attach (the kubelet's, k8s.io/apimachinery wsstream):
every message starts with its channel: 0 stdin, 1 stdout, 2 stderr, 3 error (one closing `Status`
JSON), 4 resize (`{"Width":W,"Height":H}`). `v5.channel.k8s.io` adds a close message
`[255, channel]` (the client's stdin ended). `v4.base64.channel.k8s.io` sends text messages: the
channel as an ASCII digit, then base64. v1-v3 (a plain-text error channel) are not served.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import WSMsgType, web

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
V4_BASE64 = "v4.base64.channel.k8s.io"
PROTOCOLS = (V5, V4, V4_BASE64)  # aiohttp takes the first the client offers that is in this list
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255


def offered(request: web.Request) -> list[str]:
    return [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]


def success() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exit_code_status(code: int, cmd: list[str]) -> dict[str, Any]:
    """What the kubelet writes for a non-zero exit: kubectl and the Python client read the code from the
    ExitCode cause (Go's StatusCause.Type is `reason` in JSON)."""
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: command '{' '.join(cmd)}' exited with "
                       f"{code}: ",
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


def internal_error(message: str) -> dict[str, Any]:
    return {"metadata": {}, "status": "Failure", "message": f"Internal error occurred: {message}",
            "reason": "InternalError", "details": {"causes": [{"message": message}]}, "code": 500}


class Channels:
    """Channel messages over an open WebSocketResponse, in the negotiated codec."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.protocol = ws.ws_protocol or V4  # no subprotocol offered: binary framing
        self.base64 = self.protocol == V4_BASE64

    async def send(self, channel: int, data: bytes) -> None:
        if self.ws.closed:
            raise ConnectionResetError("the client went away")
        if self.base64:
            await self.ws.send_str(chr(ord("0") + channel) + base64.b64encode(data).decode())
        else:
            await self.ws.send_bytes(bytes((channel,)) + data)

    async def send_status(self, status: dict[str, Any]) -> None:
        await self.send(ERROR, orjson.dumps(status))

    async def receive(self) -> AsyncIterator[tuple[int, bytes]]:
        """(channel, payload) per client message until it closes; (CLOSE, bytes([ch])) on v5's close."""
        async for msg in self.ws:
            if msg.type == WSMsgType.BINARY and not self.base64:
                raw: bytes = msg.data
                if raw:
                    yield raw[0], raw[1:]
            elif msg.type == WSMsgType.TEXT and self.base64:
                text: str = msg.data
                if not text:
                    continue
                try:
                    yield ord(text[0]) - ord("0"), base64.b64decode(text[1:], validate=False)
                except binascii.Error:
                    continue
            elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return


def parse_resize(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a resize message, None when it is not one."""
    try:
        size = orjson.loads(data)
        width, height = int(size["Width"]), int(size["Height"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    return (width, height) if width > 0 and height > 0 else None
