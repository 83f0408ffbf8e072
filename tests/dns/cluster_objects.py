"""Services and EndpointSlices as the API returns them, for the DNS tests."""

from __future__ import annotations

from typing import Any

from dnslib import QTYPE, DNSRecord

Obj = dict[str, Any]


def service(name: str, namespace: str = "default", *, cluster_ip: str = "10.96.0.20",
            ports: list[Obj] | None = None, **spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"clusterIP": cluster_ip, "type": "ClusterIP",
                     "ports": ports if ports is not None else [{"name": "http", "port": 80, "protocol": "TCP"}],
                     **spec}}


def endpoint_slice(service_name: str, endpoints: list[tuple[str, bool] | tuple[str, bool, str]],
                   namespace: str = "default", ports: list[Obj] | None = None, name: str = "") -> Obj:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name or f"{service_name}-abcde", "namespace": namespace,
                         "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [e[0]], "conditions": {"ready": e[1]},
                           **({"hostname": e[2]} if len(e) > 2 else {})} for e in endpoints],
            "ports": ports if ports is not None else [{"name": "http", "port": 8080, "protocol": "TCP"}]}


def query(name: str, qtype: str = "A", ident: int = 4321) -> bytes:
    q = DNSRecord.question(name, qtype)
    q.header.id = ident
    return bytes(q.pack())


def answers(reply: bytes) -> list[tuple[str, str, str]]:
    """(name, type, rdata) of each answer record."""
    return [(str(rr.rname), QTYPE[rr.rtype], str(rr.rdata)) for rr in DNSRecord.parse(reply).rr]


def rcode(reply: bytes) -> int:
    return DNSRecord.parse(reply).header.rcode
