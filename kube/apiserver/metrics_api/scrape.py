"""Reads a node agent's /stats/summary over the node connection pods/log uses (the node's
InternalIP and kubelet port, the cluster CA, the API server's client certificate). A node
that does not answer is left out of the metrics, as metrics-server leaves it out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp

from kube.api.meta import Obj
from kube.apiserver.config import ServerConfig
from kube.apiserver.subresources.node_connection import NodeConnector, endpoint
from kube.apiserver.tls import ServingFiles

log = logging.getLogger("kube.apiserver.metrics")
NodeStats = Callable[[list[Obj]], Awaitable[dict[str, Obj]]]  # nodes -> node name -> Summary
CONCURRENCY = 32
TIMEOUT_SECONDS = 15.0  # a first summary samples twice, a second apart, on a loaded node


def node_stats_source(config: ServerConfig, files: ServingFiles) -> NodeStats:
    nodes = NodeConnector(config, files)

    async def one(session: aiohttp.ClientSession, node: Obj, slots: asyncio.Semaphore) -> tuple[str, Obj | None]:
        name = str((node.get("metadata") or {}).get("name", ""))
        host, port = endpoint(node)
        if not host or not port:
            return name, None
        async with slots:
            return name, await fetch(session, name, host, port)

    async def fetch(session: aiohttp.ClientSession, name: str, host: str, port: int) -> Obj | None:
        url = f"https://{host}:{port}/stats/summary"
        try:
            async with session.get(url, params={"node": name}, ssl=nodes.tls()) as resp:
                if resp.status != 200:
                    log.info("node %s: /stats/summary answered %d", name, resp.status)
                    return None
                return await resp.json()
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            log.info("node %s: cannot read /stats/summary: %s", name, exc)
            return None

    async def scrape(wanted: list[Obj]) -> dict[str, Obj]:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS, sock_connect=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            slots = asyncio.Semaphore(CONCURRENCY)  # a simulated fleet has thousands of nodes on one port
            found = await asyncio.gather(*(one(session, n, slots) for n in wanted))
        return {name: summary for name, summary in found if summary is not None}

    return scrape
