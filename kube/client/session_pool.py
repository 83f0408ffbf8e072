"""One aiohttp connection pool per event loop, shared by every client in the process.

Components build several RestClients (one per informer factory, elector, ...);
they should share keep-alive connections, not each open their own. TLS settings
travel per request, so clients with different credentials share the pool too.
The pool closes when the last client using it closes.
"""

from __future__ import annotations

import asyncio

import aiohttp

_POOLS: dict[asyncio.AbstractEventLoop, tuple[aiohttp.ClientSession, int]] = {}


def acquire() -> aiohttp.ClientSession:
    """This loop's shared session (created on first use); pair with `release()`."""
    loop = asyncio.get_running_loop()
    entry = _POOLS.get(loop)
    if entry is None or entry[0].closed:
        connector = aiohttp.TCPConnector(limit=200, limit_per_host=100, keepalive_timeout=30)
        session = aiohttp.ClientSession(connector=connector, skip_auto_headers=("User-Agent",),
                                        timeout=aiohttp.ClientTimeout(total=None))
        entry = (session, 0)
    _POOLS[loop] = (entry[0], entry[1] + 1)
    _forget_dead_loops()
    return entry[0]


async def release() -> None:
    """Drop one user of this loop's session; the last one closes it."""
    loop = asyncio.get_running_loop()
    entry = _POOLS.get(loop)
    if entry is None:
        return
    session, users = entry
    if users <= 1:
        del _POOLS[loop]
        await session.close()
    else:
        _POOLS[loop] = (session, users - 1)


def _forget_dead_loops() -> None:
    for loop in [lp for lp in _POOLS if lp.is_closed()]:
        del _POOLS[loop]
