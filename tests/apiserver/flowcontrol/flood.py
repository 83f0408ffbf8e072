"""A flood of GETs from a process of its own, so that its client work (TLS, reading big
bodies) does not share the event loop of the server or of whoever measures beside it.

    python -m tests.apiserver.flowcontrol.flood URL CA_FILE TOKEN PATH COUNT

prints one JSON object: how many answers had each status, and how many 429s lacked
Retry-After or the APF headers ("429 without headers")."""

from __future__ import annotations

import asyncio
import collections
import json
import ssl
import sys

import aiohttp

from kube.apiserver.flowcontrol.request_filter import FLOW_SCHEMA_UID, PRIORITY_LEVEL_UID


async def flood(url: str, ca: str, token: str, path: str, count: int) -> dict[str, int]:
    ctx = ssl.create_default_context(cafile=ca)
    seen: collections.Counter[str] = collections.Counter()
    async with aiohttp.ClientSession(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                     connector=aiohttp.TCPConnector(ssl=ctx, limit=0),
                                     timeout=aiohttp.ClientTimeout(total=120)) as session:
        async def one() -> None:
            try:
                async with session.get(path) as resp:
                    await resp.read()
                    seen[str(resp.status)] += 1
                    if resp.status == 429 and not (resp.headers.get("Retry-After") and FLOW_SCHEMA_UID in resp.headers
                                                   and PRIORITY_LEVEL_UID in resp.headers):
                        seen["429 without headers"] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                seen[f"error {type(exc).__name__}"] += 1
        await asyncio.gather(*(one() for _ in range(count)))
    return dict(seen)


if __name__ == "__main__":
    url, ca, token, path, count = sys.argv[1:6]
    print(json.dumps(asyncio.run(flood(url, ca, token, path, int(count)))))
