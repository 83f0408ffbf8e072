"""The cluster's DNS records, computed purely from Services and EndpointSlices.

As Kubernetes' DNS specification (and CoreDNS' kubernetes plugin) says, under the cluster
domain D:

- `<svc>.<ns>.svc.D`: A/AAAA of the ClusterIP; of a headless Service, one per ready endpoint
  address (every endpoint when `publishNotReadyAddresses`); an ExternalName Service a CNAME;
- `<host>.<svc>.<ns>.svc.D` for each such headless endpoint, where host is the endpoint's
  `hostname` or its address dashed (`10-244-1-5`);
- `_<port>._<proto>.<svc>.<ns>.svc.D` SRV for every named port: the Service's name as target,
  or for a headless Service one per endpoint, its `<host>` name as target;
- PTR for every ClusterIP and headless endpoint address.
Pod names (`<a-b-c-d>.<ns>.pod.D`) need no table: answers.py makes them from the name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kube.api.meta import Obj
from kube.dns import wire

TTL = 5  # seconds, CoreDNS' default for cluster records: changes show within a few seconds
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@dataclass
class Zone:
    """Every cluster name (lowercase, with the final dot) with its records by query type,
    each record already in wire form (wire.rr: owner = the question's name).

    `names` also holds names with no record of some type (NOERROR with no answer rather than
    NXDOMAIN) and the empty non-terminals above them (`<ns>.svc.D`)."""

    domain: str
    records: dict[tuple[str, int], list[bytes]] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)

    def add(self, name: str, rtype: int, rdata: bytes) -> None:
        self.records.setdefault((name, rtype), []).append(wire.rr(rtype, TTL, rdata))
        self._name(name)

    def add_address(self, name: str, packed: bytes) -> None:
        """The A or AAAA record of name."""
        self.add(name, wire.AAAA if len(packed) == 16 else wire.A, packed)

    def _name(self, name: str) -> None:
        while name.endswith("." + self.domain) and name not in self.names:
            self.names.add(name)
            name = name.split(".", 1)[1]


def _slices_by_service(slices: Iterable[Obj]) -> dict[tuple[str, str], list[Obj]]:
    out: dict[tuple[str, str], list[Obj]] = {}
    for slice_ in slices:
        meta = slice_.get("metadata") or {}
        service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if service and slice_.get("addressType") in ("IPv4", "IPv6"):
            out.setdefault((str(meta.get("namespace") or "default"), str(service)), []).append(slice_)
    return out


def _endpoints(slices: list[Obj], all_of_them: bool) -> list[tuple[bytes, str, list[Obj]]]:
    """(packed address, host label, the slice's ports) of each usable endpoint, first address only."""
    out: list[tuple[bytes, str, list[Obj]]] = []
    for slice_ in slices:
        ports = [p for p in slice_.get("ports") or [] if isinstance(p, dict)]
        for endpoint in slice_.get("endpoints") or []:
            addresses = endpoint.get("addresses") or []
            ready = (endpoint.get("conditions") or {}).get("ready")
            packed = wire.packed_ip(addresses[0]) if addresses else None
            if packed is None or (ready is False and not all_of_them):
                continue
            host = str(endpoint.get("hostname") or str(addresses[0]).replace(".", "-").replace(":", "-"))
            out.append((packed, host.lower(), ports))
    return out


def cluster_records(services: Iterable[Obj], slices: Iterable[Obj], domain: str) -> Zone:
    """The Zone of every Service (and its slices) under `domain`."""
    domain = domain.strip(".").lower() + "."
    zone = Zone(domain)
    zone.names.add(domain)  # the apex: its SOA is answered (answers.py), never NXDOMAIN
    zone._name(f"svc.{domain}")
    zone._name(f"pod.{domain}")
    by_service = _slices_by_service(slices)
    for svc in services:
        meta, spec = svc.get("metadata") or {}, svc.get("spec") or {}
        namespace = str(meta.get("namespace") or "default").lower()
        name = f"{str(meta.get('name', '')).lower()}.{namespace}.svc.{domain}"
        ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
        if spec.get("type") == "ExternalName":
            if spec.get("externalName"):
                zone.add(name, wire.CNAME, wire.name_wire(str(spec["externalName"])))
            continue
        cluster_ip = spec.get("clusterIP")
        if cluster_ip and cluster_ip != "None" and wire.packed_ip(cluster_ip) is not None:
            name_wire = wire.name_wire(name)
            for packed in filter(None, map(wire.packed_ip, spec.get("clusterIPs") or [cluster_ip])):
                zone.add_address(name, packed)
                zone.add(wire.reverse_name(packed), wire.PTR, name_wire)
            for port in ports:
                if port.get("name") and isinstance(port.get("port"), int):
                    srv = f"_{port['name']}._{str(port.get('protocol') or 'TCP').lower()}.{name}".lower()
                    zone.add(srv, wire.SRV, wire.srv_rdata(port["port"], name))
            zone._name(name)
            continue
        if cluster_ip != "None":
            continue  # not allocated yet
        zone._name(name)
        key = (str(meta.get("namespace") or "default"), str(meta.get("name", "")))
        endpoints = _endpoints(by_service.get(key, []), bool(spec.get("publishNotReadyAddresses")))
        for packed, host, slice_ports in endpoints:
            host_name = f"{host}.{name}"
            zone.add_address(name, packed)
            zone.add_address(host_name, packed)
            zone.add(wire.reverse_name(packed), wire.PTR, wire.name_wire(host_name))
            for port in slice_ports:
                if port.get("name") and isinstance(port.get("port"), int):
                    srv = f"_{port['name']}._{str(port.get('protocol') or 'TCP').lower()}.{name}".lower()
                    zone.add(srv, wire.SRV, wire.srv_rdata(port["port"], host_name))
    return zone
