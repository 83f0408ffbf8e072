"""Create throughput of the embedded SqliteStore with 100 concurrent writers (group commit).
The figure is in the benchmark's extra_info (creates_per_second); run with
`pytest tests/bench/test_store_bench.py --benchmark-enable -s`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kube.store.sqlite import SqliteStore
from tests.bench.store_load import creates_per_second

pytestmark = [pytest.mark.slow]

WRITERS = 100
CREATES = 10_000


async def create_concurrently(path: Path) -> float:
    """Creates per second with WRITERS tasks, each awaiting its create before the next."""
    store = await SqliteStore.open(path)
    try:
        return await creates_per_second(store, WRITERS, CREATES)
    finally:
        await store.close()


def test_sqlite_creates_per_second_with_100_writers(benchmark: object, tmp_path: Path) -> None:
    rates: list[float] = []
    runs = iter(range(1_000))

    def run() -> None:
        rates.append(asyncio.run(create_concurrently(tmp_path / f"bench-{next(runs)}.db")))

    benchmark.pedantic(run, rounds=3)  # type: ignore[attr-defined]
    benchmark.extra_info["creates_per_second"] = round(max(rates))  # type: ignore[attr-defined]
    print(f"\nsqlite: {max(rates):.0f} creates/s ({WRITERS} writers, {CREATES} creates)")
    assert rates and min(rates) > 0
