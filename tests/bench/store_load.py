"""The create load both store benchmarks (etcd, sqlite) put on a Store, so their
creates-per-second figures measure the same thing and can be compared."""

from __future__ import annotations

import asyncio
import time

from kube.store.protocol import Store

VALUE = b'{"kind":"Pod","apiVersion":"v1","metadata":{"name":"bench"}}' * 8  # ~0.5 KiB, a small Pod
PREFIX = "/registry/pods/"


async def creates_per_second(store: Store, writers: int, creates: int) -> float:
    """Creates per second with `writers` tasks sharing store, each awaiting its create before the next.

    Asserts afterwards that exactly `creates` keys landed, so a lossy store cannot look fast."""

    async def writer(w: int) -> None:
        for i in range(w, creates, writers):
            await store.create(f"{PREFIX}default/pod-{i:06}", VALUE)

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    elapsed = time.perf_counter() - started
    assert (await store.range(PREFIX, limit=1)).count == creates
    return creates / elapsed
