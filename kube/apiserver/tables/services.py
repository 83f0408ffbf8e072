"""Service and Endpoints tables (printService, printEndpoints)."""

from __future__ import annotations

from typing import Any

from kube.api.age import age_since
from kube.api.meta import Obj
from kube.apiserver.tables.columns import (
    AGE,
    NAME,
    Cell,
    Column,
    Printer,
    format_labels,
    items,
    meta,
    section,
)

SERVICE_COLUMNS = (
    NAME,
    Column("Type", description="type determines how the Service is exposed."),
    Column("Cluster-IP", description="clusterIP is the IP address of the service."),
    Column("External-IP", description="externalIPs is a list of IP addresses for which nodes in the cluster "
           "will also accept traffic for this service."),
    Column("Port(s)", description="The list of ports that are exposed by this service."),
    AGE,
    Column("Selector", priority=1, description="Route service traffic to pods with label keys and values "
           "matching this selector."),
)

ENDPOINTS_COLUMNS = (
    NAME,
    Column("Endpoints", description="Endpoints of the service (at most three shown)."),
    AGE,
)

_MAX_SHOWN_ENDPOINTS = 3


def _load_balancer_ips(status: dict[str, Any]) -> list[str]:
    ingress = items(section(status, "loadBalancer").get("ingress"))
    out = []
    for entry in ingress:
        if entry.get("ip"):
            out.append(str(entry["ip"]))
        elif entry.get("hostname"):
            out.append(str(entry["hostname"]))
    return out


def external_ip(svc: Obj) -> str:
    """EXTERNAL-IP: external IPs, load balancer ingress, `<pending>` or the ExternalName."""
    spec = section(svc, "spec")
    kind = spec.get("type") or "ClusterIP"
    external = [str(ip) for ip in spec.get("externalIPs") or [] if isinstance(ip, str)]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if kind == "LoadBalancer":
        found = _load_balancer_ips(section(svc, "status")) + external
        return ",".join(found) if found else "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def port_string(ports: Any) -> str:
    """`80/TCP,443:30443/TCP` (port, nodePort when set, protocol)."""
    pieces = []
    for port in items(ports):
        protocol = port.get("protocol") or "TCP"
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            pieces.append(f"{port.get('port')}/{protocol}")
    return ",".join(pieces)


def _service_row(svc: Obj, now: float) -> list[Cell]:
    spec = section(svc, "spec")
    cluster_ips = spec.get("clusterIPs")
    cluster_ip = cluster_ips[0] if isinstance(cluster_ips, list) and cluster_ips else spec.get("clusterIP")
    return [
        meta(svc).get("name", ""),
        spec.get("type") or "ClusterIP",
        cluster_ip or "<none>",
        external_ip(svc),
        port_string(spec.get("ports")) or "<none>",
        age_since(meta(svc).get("creationTimestamp"), now),
        format_labels(spec.get("selector")),
    ]


def _host_port(ip: str, port: Any) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoints(endpoints: Obj) -> str:
    """`ip:port,...` for ready addresses, at most three then ` + N more...`; `<none>` without subsets."""
    subsets = items(endpoints.get("subsets"))
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count = 0
    more = False
    for subset in subsets:
        addresses = [str(a.get("ip", "")) for a in items(subset.get("addresses"))]
        ports = items(subset.get("ports"))
        targets = [addresses] if not ports else [
            [_host_port(ip, p.get("port")) for ip in addresses] for p in ports]
        for group in targets:
            count += len(group)
            for text in group:
                if len(shown) == _MAX_SHOWN_ENDPOINTS:
                    more = True
                    break
                shown.append(text)
    joined = ",".join(shown)
    return f"{joined} + {count - _MAX_SHOWN_ENDPOINTS} more..." if more else joined


def _endpoints_row(obj: Obj, now: float) -> list[Cell]:
    return [meta(obj).get("name", ""), format_endpoints(obj), age_since(meta(obj).get("creationTimestamp"), now)]


PRINTERS = {
    ("", "Service"): Printer(SERVICE_COLUMNS, _service_row),
    ("", "Endpoints"): Printer(ENDPOINTS_COLUMNS, _endpoints_row),
}
