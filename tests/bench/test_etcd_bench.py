"""Create throughput of EtcdStore: 50 concurrent writers against one member and a
3-member cluster. The figure is in the benchmark's extra_info (creates_per_second);
run with `pytest tests/bench/test_etcd_bench.py --benchmark-enable -s`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest

from kube.store.etcd import EtcdStore
from tests.bench.store_load import creates_per_second
from tests.fixtures.etcd_cluster import EtcdCluster

pytestmark = [pytest.mark.etcd, pytest.mark.slow]

WRITERS = 50
CREATES = 2_000


async def create_concurrently(endpoints: list[str]) -> float:
    """Creates per second with WRITERS tasks sharing one store (one channel per member)."""
    store = await EtcdStore.connect(endpoints, prefix=f"/bench-{uuid.uuid4().hex}")
    try:
        return await creates_per_second(store, WRITERS, CREATES)
    finally:
        await store.close()


def _measure(benchmark: object, endpoints: list[str], label: str) -> None:
    rates: list[float] = []
    benchmark.pedantic(lambda: rates.append(asyncio.run(create_concurrently(endpoints))), rounds=1)  # type: ignore[attr-defined]
    benchmark.extra_info["creates_per_second"] = round(rates[-1])  # type: ignore[attr-defined]
    print(f"\netcd {label}: {rates[-1]:.0f} creates/s ({WRITERS} writers, {CREATES} creates)")
    assert rates[-1] > 0


def test_creates_per_second_single_member(benchmark: object, etcd_server: str) -> None:
    _measure(benchmark, [etcd_server], "1 member")


def test_creates_per_second_three_members(
    benchmark: object, etcd_cluster_factory: Callable[..., EtcdCluster]
) -> None:
    _measure(benchmark, etcd_cluster_factory(3).endpoints, "3 members")
