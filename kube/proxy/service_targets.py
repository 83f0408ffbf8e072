"""The proxy's desired state, computed purely from Services and Endpoints.

Both modes (iptables and userspace) consume the same list of `ServiceTarget`s, so the
question "which backends serve which service port" is answered once, without root and
without a cluster, and is what the property tests check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kube.api.meta import Obj

PROXIED_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")


@dataclass(frozen=True, order=True)
class Backend:
    """One ready endpoint of one service port."""

    ip: str
    port: int


@dataclass(frozen=True)
class ServiceTarget:
    """One service port and the ready backends that serve it (empty: reject)."""

    namespace: str
    name: str
    port_name: str
    protocol: str
    cluster_ip: str
    port: int
    node_port: int | None
    backends: tuple[Backend, ...] = field(default=())

    @property
    def key(self) -> str:
        """namespace/name:port-name, the identity kube-proxy hashes into chain names."""
        return f"{self.namespace}/{self.name}:{self.port_name}"


def _meta(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or "default"), str(meta.get("name") or "")


def ready_backends(endpoints: Obj | None, port_name: str, protocol: str) -> tuple[Backend, ...]:
    """Ready addresses x the endpoint port with the service port's name, sorted and unique.

    notReadyAddresses never serve traffic, exactly as in kube-proxy.
    """
    if not endpoints:
        return ()
    found: set[Backend] = set()
    for subset in endpoints.get("subsets") or []:
        ports = [p for p in subset.get("ports") or []
                 if str(p.get("name") or "") == port_name and str(p.get("protocol") or "TCP") == protocol]
        for address in subset.get("addresses") or []:
            ip = address.get("ip")
            if not ip:
                continue
            for p in ports:
                if isinstance(p.get("port"), int):
                    found.add(Backend(str(ip), int(p["port"])))
    return tuple(sorted(found))


def service_targets(services: Iterable[Obj], endpoints: Iterable[Obj]) -> list[ServiceTarget]:
    """Every proxied service port with its ready backends, in a stable order.

    Headless services (clusterIP None) and ExternalName services are not proxied.
    """
    by_key = {_meta(e): e for e in endpoints}
    targets: list[ServiceTarget] = []
    for svc in services:
        spec = svc.get("spec") or {}
        cluster_ip = spec.get("clusterIP")
        if spec.get("type", "ClusterIP") not in PROXIED_TYPES or not cluster_ip or cluster_ip == "None":
            continue
        namespace, name = _meta(svc)
        eps = by_key.get((namespace, name))
        for port in spec.get("ports") or []:
            if not isinstance(port.get("port"), int):
                continue
            port_name = str(port.get("name") or "")
            protocol = str(port.get("protocol") or "TCP")
            node_port = port.get("nodePort") if spec.get("type") in ("NodePort", "LoadBalancer") else None
            targets.append(ServiceTarget(
                namespace=namespace, name=name, port_name=port_name, protocol=protocol,
                cluster_ip=str(cluster_ip), port=int(port["port"]),
                node_port=int(node_port) if isinstance(node_port, int) and node_port > 0 else None,
                backends=ready_backends(eps, port_name, protocol)))
    targets.sort(key=lambda t: (t.namespace, t.name, t.port_name, t.protocol))
    return targets
