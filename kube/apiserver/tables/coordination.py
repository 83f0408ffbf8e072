"""The leases table (printLease): who holds each lock."""

from __future__ import annotations

from kube.api.age import age_since
from kube.api.meta import Obj
from kube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, meta, section

COLUMNS = (NAME, Column("Holder", description="HolderIdentity contains the identity of the holder of a "
                        "current lease."), AGE)


def _row(lease: Obj, now: float) -> list[Cell]:
    return [meta(lease).get("name", ""), section(lease, "spec").get("holderIdentity") or "",
            age_since(meta(lease).get("creationTimestamp"), now)]


PRINTERS = {("coordination.k8s.io", "Lease"): Printer(COLUMNS, _row)}
