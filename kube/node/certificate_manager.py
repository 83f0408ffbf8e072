"""Getting a certificate by CertificateSigningRequest and keeping it fresh, as the kubelet's
certificate manager: create the CSR, watch it until it carries a certificate (or is Denied or
Failed: CertificateRefused, in the CSR's own words), store the pair, hand it to whoever uses it,
and renew it at the jittered 70-90% point of its lifetime, retrying with back-off when a renewal
fails. Its TTL is the gauge kubelet_certificate_manager_{client,server}_ttl_seconds.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

from kube.api.registry import resolve
from kube.client.backoff import Backoff
from kube.client.errors import ApiConnectionError, ApiError, ConfigError, GoneError
from kube.client.rest import RestClient
from kube.node.certificate_request import bootstrap_csr_name, csr_object, new_key_pem, request_pem
from kube.node.certificate_store import CertificateStore, Pair, rotation_deadline

log = logging.getLogger("kube.node")
CSR = resolve("certificatesigningrequests")
WAIT_SECONDS = 15 * 60.0  # the kubelet's certificateWaitTimeout: then a new request
RETRY_BASE, RETRY_CAP = 2.0, 300.0


class CertificateRefused(Exception):
    """The CSR was Denied or Failed, or nobody decided in time: one line saying which and why."""


def issued(csr: dict[str, Any]) -> bytes | None:
    """The CSR's certificate PEM once issued; CertificateRefused when Denied or Failed."""
    status = csr.get("status") or {}
    name = (csr.get("metadata") or {}).get("name", "")
    for cond in status.get("conditions") or []:
        if cond.get("type") in ("Denied", "Failed") and cond.get("status", "True") == "True":
            raise CertificateRefused(f"certificate signing request {name} was {cond['type'].lower()}: "
                                     f"{cond.get('reason', '')}: {cond.get('message', '')}".rstrip(": "))
    if status.get("certificate"):
        return base64.b64decode(status["certificate"])
    return None


async def wait_for_certificate(client: RestClient, name: str, timeout: float = WAIT_SECONDS) -> bytes:
    """Watch the CSR `name` until it is decided (the kubelet's csr.WaitForCertificate)."""
    deadline = time.monotonic() + timeout
    selector = f"metadata.name={name}"
    backoff = Backoff(base=0.5, cap=10.0)
    while (left := deadline - time.monotonic()) > 0:
        try:
            listed = await client.list(CSR, field_selector=selector)
            for csr in listed.get("items") or []:
                cert = issued(csr)
                if cert is not None:
                    return cert
            rv = (listed.get("metadata") or {}).get("resourceVersion")
            async with client.watch(CSR, field_selector=selector, resource_version=rv,
                                    timeout_seconds=max(1, min(int(left), 300))) as events:
                async for kind, csr in events:
                    if kind in ("ADDED", "MODIFIED"):
                        cert = issued(csr)
                        if cert is not None:
                            return cert
            backoff.reset()
        except GoneError:
            continue
        except ApiConnectionError as exc:
            log.info("waiting for certificate signing request %s: %s", name, exc)
            await asyncio.sleep(min(backoff.next(), max(0.0, deadline - time.monotonic())))
    raise CertificateRefused(f"certificate signing request {name} was not decided within {timeout:.0f}s")


async def request_certificate(client: RestClient, body: dict[str, Any], timeout: float = WAIT_SECONDS) -> bytes:
    """Create the CSR (or find the one of that name a previous attempt made) and wait for it."""
    try:
        created = await client.create(CSR, body)
    except ApiError as exc:
        if exc.code != 409 or not body["metadata"].get("name"):
            raise
        created = await client.get(CSR, body["metadata"]["name"])
    name = created["metadata"]["name"]
    log.info("certificate signing request %s created (signer %s)", name, body["spec"]["signerName"])
    return await wait_for_certificate(client, name, timeout)


class CertificateManager:
    """One certificate (the node's client or serving one), kept current in `store`."""

    def __init__(self, store: CertificateStore, node: str, signer: str, usages: list[str], *,
                 client: Callable[[], RestClient], on_rotate: Callable[[Pair], None] | None = None,
                 sans: list[str] | None = None, expiration_seconds: int | None = None,
                 wait_seconds: float = WAIT_SECONDS) -> None:
        self.store, self.node, self.signer, self.usages = store, node, signer, usages
        self.client = client  # who asks: the bootstrap identity first, the node itself once it has one
        self.on_rotate = on_rotate
        self.sans = sans
        self.expiration_seconds = expiration_seconds
        self.wait_seconds = wait_seconds
        self.current = store.current()
        self.rotations = 0
        self.deadline: datetime | None = None

    def ttl_seconds(self) -> float:
        if self.current is None:
            return 0.0
        return (self.current.not_after - datetime.now(UTC)).total_seconds()  # negative once expired, as the kubelet's

    def register_metric(self, registry: CollectorRegistry, which: str) -> None:
        """kubelet_certificate_manager_<which>_ttl_seconds, read at scrape time."""
        gauge = Gauge(f"kubelet_certificate_manager_{which}_ttl_seconds",
                      f"Seconds until the node's {which} certificate expires (negative: expired; 0: none yet).", registry=registry)
        gauge.set_function(self.ttl_seconds)

    async def renew(self, bootstrap: bool = False) -> Pair:
        """One new certificate: a fresh key, a CSR (named after the key when bootstrapping, as the
        kubelet's; generateName csr- otherwise), the wait, the store, the hand-over."""
        key = new_key_pem()
        name = bootstrap_csr_name(key, self.node, self.usages) if bootstrap else ""
        body = csr_object(request_pem(key, self.node, self.sans), self.signer, self.usages, name=name,
                          expiration_seconds=self.expiration_seconds)
        cert = await request_certificate(self.client(), body, self.wait_seconds)
        path = self.store.update(cert, key)
        pair = self.store.current()
        assert pair is not None
        self.current = pair
        self.rotations += 1
        self.deadline = None
        log.info("node %s: new %s certificate %s (serial %x, valid until %s)", self.node, self.signer, path.name,
                 pair.cert.serial_number, pair.not_after.isoformat())
        if self.on_rotate is not None:
            self.on_rotate(pair)
        return pair

    def next_deadline(self) -> datetime:
        """When the current certificate is due (now when there is none)."""
        if self.current is None:
            return datetime.now(UTC)
        if self.deadline is None:
            self.deadline = rotation_deadline(self.current.not_before, self.current.not_after)
        return self.deadline

    async def run(self, stop: asyncio.Event) -> None:
        """Renew at each deadline until `stop`; a failed renewal is logged and retried with back-off."""
        backoff = Backoff(base=RETRY_BASE, cap=RETRY_CAP)
        while not stop.is_set():
            wait = (self.next_deadline() - datetime.now(UTC)).total_seconds()
            if wait > 0:
                log.info("node %s: %s certificate rotation in %.0fs", self.node, self.signer, wait)
                if await _stopped(stop, wait):
                    return
            try:
                await self.renew()
                backoff.reset()
            except (CertificateRefused, ApiError, ApiConnectionError, ConfigError, ValueError, OSError) as exc:
                delay = backoff.next()
                log.error("node %s: renewing the %s certificate failed: %s (retry in %.0fs)", self.node,
                          self.signer, exc, delay)
                if await _stopped(stop, delay):
                    return


async def _stopped(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
        return True
    except TimeoutError:
        return False
