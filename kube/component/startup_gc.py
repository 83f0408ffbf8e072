"""The cyclic collector paused while a daemon's informers fill their caches, then the caches frozen.

An informer's first list decodes every object of its kind at once (5,000 Nodes and 10,000
Pods are a few hundred thousand dicts, lists and strings), none of it garbage; the
collector, triggered every 700 allocations, walks the growing heap again and again
meanwhile (0.7 s of the scheduler benchmark's 3.9 s to its first pod in api mode). Paused
during the lists, then `gc.freeze()` moves what survived to the permanent generation, so
later collections walk only what was allocated since. The pause has a limit: an API that
does not answer for `limit` seconds gets a daemon with its collector back (and nothing frozen).
Frozen objects are never collected, so a daemon that drops its caches (a scheduler whose
leadership term ended) calls `caches_released` to hand them back to the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

PAUSE_LIMIT = 60.0


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for a bulk load that ends by itself; what it built frozen if it succeeded."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


async def synced_with_collector_paused(wait_for_sync: Callable[[float | None], Awaitable[bool]],
                                       limit: float = PAUSE_LIMIT) -> None:
    """Await `wait_for_sync` (a factory's wait_for_cache_sync) with the collector paused for at
    most `limit` seconds; freeze the caches when they synced inside it, else wait on, collecting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        synced = await wait_for_sync(limit)
        if synced:
            gc.freeze()
    finally:
        if enabled:
            gc.enable()
    if not synced:
        await wait_for_sync(None)


def caches_released() -> None:
    """The frozen caches were dropped: let the collector see them again (cycles among them included)."""
    gc.unfreeze()
