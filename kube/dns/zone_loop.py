"""The informers behind the answer table: any change to a Service or an EndpointSlice marks
the table dirty, and one coalesced rebuild (records.py, then AnswerTable.build, in a worker
thread) follows, as the proxy's sync does. A relist after an API server restart is just
another change. (Rebuilding whole is O(cluster) per change; per-Service fragments would make
a change O(that Service), the next step for clusters far beyond 10,000 Services.)"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from kube.api.registry import resolve
from kube.client.informer import Informer, run_supervised
from kube.client.rest import RestClient
from kube.dns.answers import AnswerTable
from kube.dns.records import Zone, cluster_records

log = logging.getLogger("kube.dns")
MIN_REBUILD_PERIOD = 0.05  # a burst of changes costs one rebuild per period


class ZoneLoop:
    def __init__(self, client: RestClient, table: AnswerTable, domain: str) -> None:
        self.table = table
        self.domain = domain
        self.services = Informer(client, resolve("services"))
        self.slices = Informer(client, resolve("endpointslices.discovery.k8s.io"))
        self.rebuilds = 0
        self.last_duration = 0.0
        self._dirty = asyncio.Event()
        self._loaded = asyncio.Event()
        for informer in (self.services, self.slices):
            informer.add_handler(self._changed, lambda _o, _n: self._changed(), lambda _o: self._changed())

    def watch_own(self, handler: Callable[[object], None]) -> None:
        """Also tell `handler` of every change (the publisher looks for its own objects)."""
        for informer in (self.services, self.slices):
            informer.add_handler(handler, lambda _o, n: handler(n), handler)

    def _changed(self, *_args: object) -> None:
        self._dirty.set()

    def loaded(self) -> bool:
        return self._loaded.is_set()

    async def wait_loaded(self) -> None:
        await self._loaded.wait()

    async def run(self) -> None:
        for informer in (self.services, self.slices):
            informer.start()
        try:
            await run_supervised(self._loop(), self.services, self.slices)
        finally:
            for informer in (self.services, self.slices):
                await informer.stop()

    async def _loop(self) -> None:
        while not (self.services.has_synced() and self.slices.has_synced()):
            await asyncio.sleep(0.05)
        while True:
            self._dirty.clear()
            await self.rebuild()
            self._loaded.set()
            await self._dirty.wait()
            # at least twice the last rebuild's time between rebuilds: under constant churn in a
            # large cluster the worker thread then holds the GIL a third of the time at most
            await asyncio.sleep(max(MIN_REBUILD_PERIOD, 2 * self.last_duration))

    async def rebuild(self) -> None:
        """Recompute the zone from the caches in a worker thread (10,000 Services take about a
        second of Python), so queries keep being answered from the old table meanwhile."""
        started = time.monotonic()
        services, slices = self.services.store.list(), self.slices.store.list()  # snapshots, on the loop

        def build() -> tuple[Zone, dict]:
            zone = cluster_records(services, slices, self.domain)
            return zone, self.table.build(zone)

        zone, entries = await asyncio.to_thread(build)
        self.table.install(zone, entries)
        self.rebuilds += 1
        self.last_duration = time.monotonic() - started
        log.debug("dns answers rebuilt: %d entries in %.3fs", len(entries), self.last_duration)
