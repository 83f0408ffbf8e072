"""Waiting for the local cluster: the API server's /readyz, then the minions' Ready."""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.error
import urllib.request
from typing import Any

from kube.api.registry import resolve
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.rest import RestClient

NODES = resolve("nodes")


def wait_ready(url: str, ca_file: str, timeout: float = 60.0, alive=lambda: True) -> bool:
    ctx = ssl.create_default_context(cafile=ca_file)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            with urllib.request.urlopen(f"{url}/readyz", context=ctx, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError, ssl.SSLError):
            pass
        time.sleep(0.2)
    return False


async def wait_nodes_ready(client: RestClient, count: int, timeout: float) -> int:
    """Wait until `count` Nodes report Ready (scheduling before then would spread the
    example over fewer zones); returns how many were Ready at the end."""
    deadline = time.monotonic() + timeout
    ready = 0
    while True:
        try:
            nodes = (await client.list_all(NODES)).get("items") or []
            ready = sum(1 for n in nodes if node_is_ready(n))
        except (ApiError, ApiConnectionError):
            pass
        if ready >= count or time.monotonic() >= deadline:
            return ready
        await asyncio.sleep(0.5)


def node_is_ready(node: dict[str, Any]) -> bool:
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
