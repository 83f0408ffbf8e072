"""Runs one etcd call with failover across members until it succeeds or time runs out.

A call that fails with UNAVAILABLE or DEADLINE_EXCEEDED is tried on the next
member, pausing (with backoff) after each full round, until `retry_window`
seconds have passed; then UnavailableError names every member's last error.
The operation is told whether an earlier attempt may have been applied
(`uncertain`), so a write can check its own outcome instead of failing (see
store.py for how create/update/delete resolve it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc

from kube.store.errors import UnavailableError
from kube.store.etcd.endpoints import Member, MemberPool
from kube.store.etcd.rpc_errors import describe, is_retryable, translate

T = TypeVar("T")

Operation = Callable[[Member, bool], Awaitable[T]]

FIRST_PAUSE = 0.05
LONGEST_PAUSE = 1.0


class Failover:
    def __init__(self, pool: MemberPool, retry_window: float) -> None:
        self.pool = pool
        self.retry_window = retry_window

    async def run(self, operation: Operation[T], *, what: str) -> T:
        """operation(member, uncertain) -> result; gRPC errors other than retryable ones
        are translated into store errors."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry_window
        pause = FIRST_PAUSE
        last_errors: dict[str, str] = {}
        uncertain = False
        attempts = 0
        while True:
            member = self.pool.current()
            try:
                return await operation(member, uncertain)
            except grpc.aio.AioRpcError as error:
                if not is_retryable(error):
                    raise translate(error) from None
                last_errors[member.endpoint] = describe(error)
                uncertain = True
                self.pool.advance(member)
            attempts += 1
            if attempts % len(self.pool) == 0:
                if loop.time() + pause >= deadline:
                    break
                await asyncio.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
            elif loop.time() >= deadline:
                break
        detail = "; ".join(f"{endpoint}: {reason}" for endpoint, reason in last_errors.items())
        raise UnavailableError(
            f"etcd {what}: no endpoint answered within {self.retry_window:g}s ({detail}){tls_hint(detail)}"
        )


def tls_hint(detail: str) -> str:
    """gRPC's TLS failures read like corruption; say what usually causes them."""
    if any(marker in detail for marker in ("TSI_", "SSL", "Socket closed")):
        return (
            " - a TLS problem: check the endpoint scheme (https://), the CA (--etcd-cafile) and that a "
            "client certificate and key (--etcd-certfile, --etcd-keyfile) are given if etcd demands one"
        )
    return ""
