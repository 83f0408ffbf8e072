"""csrcleaner: finished or forgotten CSRs are deleted, as Kubernetes'
pkg/controller/certificates/cleaner: approved-and-issued, denied or failed ones an hour after
that condition was last updated, pending ones a day after creation, and any whose certificate
has expired. Node certificate rotation makes a CSR per renewal; this keeps them from piling up."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Hashable, Iterable
from datetime import datetime, timedelta

from cryptography import x509

from kube.api import certificates as csrs
from kube.api.meta import Obj, parse_rfc3339
from kube.api.registry import by_gvk
from kube.client.errors import ApiError
from kube.controllers.loop import ControllerLoop

log = logging.getLogger("kube.controllers.csrcleaner")
CSR = by_gvk(csrs.GROUP, "v1", "CertificateSigningRequest")
assert CSR is not None
POLL_SECONDS = 3600.0
DECIDED_EXPIRATION = timedelta(hours=1)
PENDING_EXPIRATION = timedelta(hours=24)


def _when(text: object) -> datetime | None:
    try:
        return parse_rfc3339(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


def _certificate_expired(csr: Obj, now: datetime) -> bool:
    pem = (csr.get("status") or {}).get("certificate")
    if not pem:
        return False
    try:
        cert = x509.load_pem_x509_certificate(base64.b64decode(pem))
    except (ValueError, binascii.Error):
        return False
    return cert.not_valid_after_utc < now


def should_delete(csr: Obj, now: datetime) -> bool:
    conditions = csrs.conditions(csr)
    if not conditions:
        created = _when((csr.get("metadata") or {}).get("creationTimestamp"))
        return created is not None and created + PENDING_EXPIRATION < now
    issued = bool((csr.get("status") or {}).get("certificate"))
    for cond in conditions:
        updated = _when(cond.get("lastUpdateTime"))
        done = cond.get("type") in (csrs.DENIED, csrs.FAILED) or (cond.get("type") == csrs.APPROVED and issued)
        if done and updated is not None and updated + DECIDED_EXPIRATION < now:
            return True
    return _certificate_expired(csr, now)


def to_delete(requests: Iterable[Obj], now: datetime) -> list[Obj]:
    return [c for c in requests if should_delete(c, now)]


class CleanerController(ControllerLoop):
    name = "csrcleaner"
    KEY = "csrcleaner"

    def setup(self) -> None:
        self.requests = self.ctx.factory.informer_for(CSR)

    async def started(self) -> None:
        self.enqueue(self.KEY)

    async def sync(self, key: Hashable) -> float | None:
        for csr in to_delete(self.requests.store.list(), self.ctx.now()):
            meta = csr.get("metadata") or {}
            try:
                await self.ctx.client.delete(CSR, meta.get("name", ""), preconditions={"uid": meta.get("uid", "")})
            except ApiError as exc:
                if exc.code not in (404, 409):
                    raise
                continue
            log.info("csrcleaner: deleted %s", meta.get("name"))
        return POLL_SECONDS
