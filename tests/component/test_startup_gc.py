"""kube/component/startup_gc.py: the collector is off only while the caches fill (and for no
longer than the limit), and what they hold is frozen only when they did fill."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from kube.component.startup_gc import caches_released, collector_paused, synced_with_collector_paused


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the session collects as usual
    gc.enable()


def test_paused_inside_then_frozen() -> None:
    before = gc.get_freeze_count()
    with collector_paused():
        assert not gc.isenabled()
        cache = [{"i": i} for i in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() >= before + len(cache)


def test_a_failed_load_freezes_nothing_and_collects_again() -> None:
    before = gc.get_freeze_count()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("list failed")
    assert gc.isenabled() and gc.get_freeze_count() == before


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


async def test_synced_in_time_freezes_the_caches() -> None:
    seen: list[tuple[float | None, bool]] = []

    async def wait(timeout: float | None) -> bool:
        seen.append((timeout, gc.isenabled()))
        return True

    before = gc.get_freeze_count()
    await synced_with_collector_paused(wait, limit=5.0)
    assert seen == [(5.0, False)] and gc.isenabled() and gc.get_freeze_count() > before


async def test_not_synced_in_the_limit_waits_on_collecting() -> None:
    seen: list[tuple[float | None, bool]] = []

    async def wait(timeout: float | None) -> bool:
        seen.append((timeout, gc.isenabled()))
        return timeout is None  # synced only on the second, unbounded wait

    before = gc.get_freeze_count()
    await synced_with_collector_paused(wait, limit=0.5)
    assert seen == [(0.5, False), (None, True)]  # the collector came back for the long wait
    assert gc.get_freeze_count() == before  # nothing frozen: the caches were not known full


def test_released_caches_are_collected_again() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    with collector_paused():
        cache = [Node() for _ in range(100)]
    refs = [weakref.ref(n) for n in cache]
    del cache
    gc.collect()
    assert all(r() is not None for r in refs)  # frozen: never collected
    caches_released()
    gc.collect()
    assert all(r() is None for r in refs)
