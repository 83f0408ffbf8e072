"""A connection taken from aiohttp after a 101 (an SPDY upgrade, a spliced stream):
the one rule for handing it back, used by the API server's stream proxy and the node's
port-forward.

Once a handler has moved the socket to its own protocol, aiohttp must write nothing
more on it (`TakenOver` is the response that writes nothing), and aiohttp's own protocol
must be told the connection is gone (`release`), or its server keeps it on its books
forever: it neither cancels the handler nor closes it on shutdown.
"""

from __future__ import annotations

from aiohttp import web


class TakenOver(web.StreamResponse):
    """What a handler returns once the connection is no longer aiohttp's."""

    def __init__(self) -> None:
        super().__init__(status=101)

    async def prepare(self, request: web.BaseRequest) -> None:  # type: ignore[override]
        return None

    async def write_eof(self, data: bytes = b"") -> None:
        return None


def release(request: web.BaseRequest) -> None:
    """Tell aiohttp's protocol for `request` that its connection is gone (call once, after
    the taken-over connection closed)."""
    protocol = request.protocol
    if protocol is not None:
        protocol.connection_lost(None)
