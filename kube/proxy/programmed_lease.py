"""Publish what this proxy has programmed: the Lease `kube-proxy-<hostname>` in
kube-node-lease, whose `kube.io/programmed-revision` node agents wait on before they send a
deleted pod SIGTERM (the contract: kube/api/programmed_lease.py; the reader:
kube/node/termination_gate.py).

Written only after a successful sync, never before the first one: a restarted proxy whose
informers have not synced still serves its predecessor's rules, and the Lease goes on saying
so (its old revision) until it goes stale. One writer task coalesces bursts of syncs into one
write; between syncs the Lease is renewed every RENEW_SECONDS so readers know the proxy lives.
A failed write (API down, no rights) is logged and retried; it never stops the proxy.
"""

from __future__ import annotations

import asyncio
import logging
import time

from kube.api import programmed_lease
from kube.api.meta import Obj, now_rfc3339_micro
from kube.api.registry import resolve
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.rest import RestClient

log = logging.getLogger("kube.proxy.lease")
LEASE = resolve("leases")
RETRY_SECONDS = 1.0


class ProgrammedLease:
    def __init__(self, client: RestClient, hostname: str, *, renew_seconds: float = programmed_lease.RENEW_SECONDS,
                 duration: int = programmed_lease.LEASE_DURATION_SECONDS) -> None:
        self.client = client
        self.hostname = hostname
        self.name = programmed_lease.lease_name(hostname)
        self.renew_seconds = renew_seconds
        self.duration = duration
        self.revision: int | None = None  # the newest programmed revision, from the proxier
        self.published: int | None = None  # the one the Lease shows
        self.writes = 0
        self.failures = 0
        self._current: Obj | None = None  # the Lease as last written (its resourceVersion)
        self._wake = asyncio.Event()

    def programmed(self, revision: int | None) -> None:
        """The proxier's callback after each successful sync (None: its informer had no revision)."""
        if revision is not None and (self.revision is None or revision > self.revision):
            self.revision = revision
            self._wake.set()

    async def publish(self, revision: int) -> Obj:
        """Create or update the Lease to show `revision`, renewed now (one retry on a conflict)."""
        body = programmed_lease.lease_body(self.hostname, revision, now_rfc3339_micro(), self.duration)
        for _attempt in range(2):
            if self._current is None:
                try:
                    self._current = await self.client.get(LEASE, self.name, programmed_lease.LEASE_NAMESPACE)
                except ApiError as exc:
                    if exc.code != 404:
                        raise
                    try:
                        self._current = await self.client.create(LEASE, body, programmed_lease.LEASE_NAMESPACE)
                        return self._current
                    except ApiError as again:
                        if again.code != 409:
                            raise
                        continue  # made meanwhile (our predecessor?): read it and update
            update = {**body, "metadata": {**body["metadata"],
                                           "resourceVersion": self._current["metadata"]["resourceVersion"]}}
            try:
                self._current = await self.client.update(LEASE, update, programmed_lease.LEASE_NAMESPACE)
                return self._current
            except ApiError as exc:
                self._current = None
                if exc.code not in (404, 409):
                    raise
        raise ApiError(409, "Conflict", f"lease {self.name} kept changing under us")

    async def run(self) -> None:
        """Write the Lease after each newer revision and every renew interval, until cancelled."""
        renewed = 0.0
        while True:
            wait = self.renew_seconds - (time.monotonic() - renewed)
            if self.revision is None or (self.revision == self.published and wait > 0):
                try:
                    async with asyncio.timeout(wait if self.revision is not None else None):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                self._wake.clear()
                continue
            revision = self.revision
            try:
                await self.publish(revision)
            except (ApiError, ApiConnectionError, OSError, TimeoutError) as exc:
                self.failures += 1
                log.warning("proxy lease %s/%s not written: %s", programmed_lease.LEASE_NAMESPACE, self.name, exc)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            self.writes += 1
            self.published, renewed = revision, time.monotonic()
