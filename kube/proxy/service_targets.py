"""The proxy's desired state, computed purely from Services and EndpointSlices (what
kube-proxy reads since the Endpoints API was deprecated).

Both modes (iptables and userspace) consume the same list of `ServiceTarget`s, so the
question "which backends serve which service port" is answered once, without root and
without a cluster, and is what the property tests check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kube.api.meta import Obj

PROXIED_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@dataclass(frozen=True, order=True)
class Backend:
    """One serving endpoint of one service port."""

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


def _condition(conditions: Obj, name: str, default: bool) -> bool:
    value = conditions.get(name)
    return default if value is None else bool(value)


def ready_backends(slices: Iterable[Obj], port_name: str, protocol: str) -> tuple[Backend, ...]:
    """The endpoints of a Service's EndpointSlices x the slice port with the service port's
    name, sorted and unique: the ready ones, or when none is ready the serving terminating
    ones (kube-proxy's terminating fallback). An unset `ready` counts as ready, an unset
    `serving` as `ready`, as the API documents."""
    ready: set[Backend] = set()
    fallback: set[Backend] = set()
    for slice_ in slices:
        if slice_.get("addressType") not in ("IPv4", "IPv6"):
            continue
        numbers = [p["port"] for p in slice_.get("ports") or [] if isinstance(p, dict)
                   and str(p.get("name") or "") == port_name and str(p.get("protocol") or "TCP") == protocol
                   and isinstance(p.get("port"), int)]
        if not numbers:
            continue
        for endpoint in slice_.get("endpoints") or []:
            conditions = endpoint.get("conditions") or {}
            is_ready = _condition(conditions, "ready", True)
            usable = is_ready or (_condition(conditions, "serving", is_ready)
                                  and _condition(conditions, "terminating", False))
            addresses = endpoint.get("addresses") or []
            if not usable or not addresses or not isinstance(addresses[0], str):
                continue
            into = ready if is_ready else fallback
            into.update(Backend(addresses[0], n) for n in numbers)  # kube-proxy uses the first address
    return tuple(sorted(ready or fallback))


def service_targets(services: Iterable[Obj], slices: Iterable[Obj]) -> list[ServiceTarget]:
    """Every proxied service port with its backends, in a stable order; a Service's slices are
    those labelled with its name in its namespace.

    Headless services (clusterIP None) and ExternalName services are not proxied.
    """
    by_key: dict[tuple[str, str], list[Obj]] = {}
    for slice_ in slices:
        service_name = ((slice_.get("metadata") or {}).get("labels") or {}).get(SERVICE_NAME_LABEL)
        if service_name:
            by_key.setdefault((_meta(slice_)[0], str(service_name)), []).append(slice_)
    targets: list[ServiceTarget] = []
    for svc in services:
        spec = svc.get("spec") or {}
        cluster_ip = spec.get("clusterIP")
        if spec.get("type", "ClusterIP") not in PROXIED_TYPES or not cluster_ip or cluster_ip == "None":
            continue
        namespace, name = _meta(svc)
        eps = by_key.get((namespace, name), [])
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
