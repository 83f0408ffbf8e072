"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's LeaseLock.

Candidates race to write themselves into `spec.holderIdentity`; every write is a
compare-and-swap on `metadata.resourceVersion`, so exactly one wins. The holder
renews `renewTime` every `retry_period`; the others take over once the record has
not changed for `lease_duration` by their own clock (no clock sync needed). A
leader that cannot renew within `renew_deadline` stops leading. On a clean
shutdown the leader releases the lease so a successor need not wait.

Each elector reports `leader_election_master_status{name=<lease>}` (1 leading, 0 standby) on
the registry it is given, as component-base's leader-election metric.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

from kube.api.registry import by_gvk
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.metric_families import family
from kube.client.rest import RestClient
from kube.client.retry_watch import Outage

log = logging.getLogger("kube.client.leader_election")

LEASE = by_gvk("coordination.k8s.io", "v1", "Lease")
Callback = Callable[[], Awaitable[Any] | Any]


def micro_time(moment: datetime | None = None) -> str:
    """metav1.MicroTime: RFC 3339 with microseconds, UTC."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def master_status(registry: CollectorRegistry) -> Gauge:
    """The leader_election_master_status family on `registry` (a daemon running without election
    sets its own child to 1: it always works)."""
    return family(registry, Gauge, "leader_election_master_status",
                  "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, "
                  "1 indicates master. 'name' is the string used to identify the lease.", ["name"])


def default_identity() -> str:
    return f"{socket.gethostname()}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@dataclass
class LeaderElectionConfig:
    lease_name: str
    namespace: str = "kube-system"
    identity: str = ""
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    release_on_cancel: bool = True

    def __post_init__(self) -> None:
        if not self.identity:
            self.identity = default_identity()
        if not self.lease_duration > self.renew_deadline > self.retry_period > 0:
            raise ValueError("need lease_duration > renew_deadline > retry_period > 0")


class LeaderElector:
    def __init__(self, client: RestClient, config: LeaderElectionConfig, *,
                 on_started_leading: Callback | None = None, on_stopped_leading: Callback | None = None,
                 on_new_leader: Callable[[str], Any] | None = None,
                 registry: CollectorRegistry | None = None) -> None:
        assert LEASE is not None, "the registry has no coordination.k8s.io/v1 Lease"
        self.client = client
        self.config = config
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.on_new_leader = on_new_leader
        self.leader = ""  # the identity last seen holding the lease
        self._leading = False
        self._observed: tuple[str, str, str] | None = None  # (holder, renewTime, resourceVersion)
        self._observed_at = 0.0
        self._lease: dict[str, Any] | None = None
        self._outage = Outage(f"{config.identity} ({config.namespace}/{config.lease_name} lease)", log)
        self.registry = registry if registry is not None else CollectorRegistry()
        self._status = master_status(self.registry).labels(name=config.lease_name)
        self._status.set(0)

    @property
    def identity(self) -> str:
        return self.config.identity

    def is_leader(self) -> bool:
        return self._leading

    async def run(self) -> None:
        """Campaign until leading, lead until the lease is lost, then return.

        Cancelling the task stops leading; with release_on_cancel the lease is freed first."""
        leader_task: asyncio.Task[Any] | None = None
        try:
            await self._acquire()
            self._leading = True
            self._status.set(1)
            log.info("%s: became leader of %s/%s", self.identity, self.config.namespace, self.config.lease_name)
            if self.on_started_leading is not None:
                leader_task = asyncio.ensure_future(_call(self.on_started_leading))
            await self._renew_loop()
        except asyncio.CancelledError:
            if self._leading and self.config.release_on_cancel:
                await asyncio.shield(self._release())
            raise
        finally:
            was_leading = self._leading
            self._leading = False
            self._status.set(0)
            if leader_task is not None:
                leader_task.cancel()
                await asyncio.gather(leader_task, return_exceptions=True)
            if was_leading:
                log.info("%s: stopped leading", self.identity)
                if self.on_stopped_leading is not None:
                    await _call(self.on_stopped_leading)

    async def _acquire(self) -> None:
        while True:
            if await self._try_acquire_or_renew():
                return
            await asyncio.sleep(self.config.retry_period)

    async def _renew_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.config.retry_period)
            deadline = loop.time() + self.config.renew_deadline
            while not await self._try_acquire_or_renew():
                if loop.time() >= deadline:
                    log.warning("%s: could not renew the lease within %.1fs", self.identity,
                                self.config.renew_deadline)
                    return
                await asyncio.sleep(min(self.config.retry_period, max(0.0, deadline - loop.time())))

    async def _try_acquire_or_renew(self) -> bool:
        """One CAS attempt; True when this candidate holds the lease afterwards."""
        now = micro_time()
        loop = asyncio.get_running_loop()
        try:
            lease = await self.client.get(LEASE, self.config.lease_name, self.config.namespace)
        except ApiError as exc:
            if exc.code != 404:
                self._outage.broke(exc, "reading the lease")
                return False
            self._outage.recovered()
            return await self._create(now)
        except ApiConnectionError as exc:
            self._outage.broke(exc, "reading the lease")  # logged once per outage, not every retry period
            return False
        self._outage.recovered()
        spec = lease.get("spec") or {}
        holder = str(spec.get("holderIdentity") or "")
        record = (holder, str(spec.get("renewTime") or ""), str(lease["metadata"].get("resourceVersion", "")))
        if record != self._observed:
            self._observed = record
            self._observed_at = loop.time()
            self._saw_leader(holder)
        duration = float(spec.get("leaseDurationSeconds") or self.config.lease_duration)
        expired = loop.time() >= self._observed_at + duration
        if holder and holder != self.identity and not expired:
            return False
        new_spec = dict(spec)
        if holder != self.identity:
            new_spec["acquireTime"] = now
            new_spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
        new_spec.update(holderIdentity=self.identity, leaseDurationSeconds=int(round(self.config.lease_duration)),
                        renewTime=now)
        lease["spec"] = new_spec
        try:
            updated = await self.client.update(LEASE, lease, self.config.namespace)
        except (ApiError, ApiConnectionError) as exc:
            log.debug("%s: lease update lost: %s", self.identity, exc)
            return False
        self._record(updated, loop.time())
        return True

    async def _create(self, now: str) -> bool:
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": self.config.lease_name, "namespace": self.config.namespace},
                 "spec": {"holderIdentity": self.identity,
                          "leaseDurationSeconds": int(round(self.config.lease_duration)),
                          "acquireTime": now, "renewTime": now, "leaseTransitions": 0}}
        try:
            created = await self.client.create(LEASE, lease, self.config.namespace)
        except (ApiError, ApiConnectionError) as exc:
            log.debug("%s: lease create lost: %s", self.identity, exc)
            return False
        self._record(created, asyncio.get_running_loop().time())
        return True

    def _record(self, lease: dict[str, Any], at: float) -> None:
        spec = lease.get("spec") or {}
        self._lease = lease
        self._observed = (str(spec.get("holderIdentity") or ""), str(spec.get("renewTime") or ""),
                          str(lease["metadata"].get("resourceVersion", "")))
        self._observed_at = at
        self._saw_leader(self.identity)

    def _saw_leader(self, holder: str) -> None:
        if holder and holder != self.leader:
            self.leader = holder
            if self.on_new_leader is not None:
                try:
                    self.on_new_leader(holder)
                except Exception:
                    log.exception("on_new_leader failed")

    async def _release(self) -> None:
        """Give the lease up (empty holder, 1s duration) so the next candidate takes over at once."""
        lease = self._lease
        if lease is None:
            return
        spec = dict(lease.get("spec") or {})
        if spec.get("holderIdentity") != self.identity:
            return
        now = micro_time()
        spec.update(holderIdentity="", leaseDurationSeconds=1, renewTime=now, acquireTime=now)
        try:
            await self.client.update(LEASE, {**lease, "spec": spec}, self.config.namespace)
            log.info("%s: released the lease", self.identity)
        except (ApiError, ApiConnectionError) as exc:
            log.info("%s: could not release the lease: %s", self.identity, exc)


async def _call(func: Callable[[], Any]) -> Any:
    result = func()
    if inspect.isawaitable(result):
        return await result
    return result
