"""EndpointSlice table (printEndpointSlice): NAME, ADDRESSTYPE, PORTS, ENDPOINTS, AGE."""

from __future__ import annotations

from kube.api.age import age_since
from kube.api.meta import Obj
from kube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, items, meta

COLUMNS = (
    NAME,
    Column("AddressType", description="Type of address carried by this EndpointSlice."),
    Column("Ports", description="Ports allowed by this EndpointSlice (at most three shown)."),
    Column("Endpoints", description="Addresses of the endpoints in this EndpointSlice (at most three shown)."),
    AGE,
)

_MAX_SHOWN = 3


def _with_more(shown: list[str], count: int) -> str:
    if count > _MAX_SHOWN:
        return f"{','.join(shown)} + {count - _MAX_SHOWN} more..."
    return ",".join(shown) or "<unset>"


def format_ports(ports: object) -> str:
    """Port numbers (the name when a port has none, `*` without either)."""
    texts = []
    for port in items(ports):
        number = port.get("port")
        texts.append(str(number) if number is not None else str(port.get("name") or "*"))
    return _with_more(texts[:_MAX_SHOWN], len(texts))


def format_addresses(endpoints: object) -> str:
    texts = [str(a) for e in items(endpoints) for a in (e.get("addresses") or []) if isinstance(a, str)]
    return _with_more(texts[:_MAX_SHOWN], len(texts))


def _row(obj: Obj, now: float) -> list[Cell]:
    return [meta(obj).get("name", ""), str(obj.get("addressType") or ""), format_ports(obj.get("ports")),
            format_addresses(obj.get("endpoints")), age_since(meta(obj).get("creationTimestamp"), now)]


PRINTERS = {("discovery.k8s.io", "EndpointSlice"): Printer(COLUMNS, _row)}
