"""The proxy's desired state, computed purely from Services and EndpointSlices (what
kube-proxy reads since the Endpoints API was deprecated).

Both modes (iptables and userspace) consume the same list of `ServiceTarget`s, so the
question "which backends serve which service port" is answered once, without root and
without a cluster, and is what the property tests check.

Each target carries two backend sets, as kube-proxy's CategorizeEndpoints: `backends` (every
ready endpoint, for `Cluster` policies) and `local_backends` (those whose nodeName is one of
this proxy's nodes, for `internalTrafficPolicy`/`externalTrafficPolicy: Local`). Each set falls back
to its serving terminating endpoints only when it has no ready one. A proxy has several
nodes when several nodes share its network namespace (`kube up`'s docker minions): a pod
of any of them is reached without leaving the machine, so each counts as local.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from kube.api.meta import Obj

PROXIED_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
DEFAULT_AFFINITY_SECONDS = 10800  # Kubernetes' default sessionAffinityConfig.clientIP.timeoutSeconds


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
    local_backends: tuple[Backend, ...] = field(default=())
    affinity_seconds: int | None = None  # sessionAffinity ClientIP: stick for this long
    internal_local: bool = False  # internalTrafficPolicy: Local (ClusterIP traffic)
    external_local: bool = False  # externalTrafficPolicy: Local (NodePort traffic)

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


def categorized_backends(slices: Iterable[Obj], port_name: str, protocol: str,
                         local_nodes: Collection[str]) -> tuple[tuple[Backend, ...], tuple[Backend, ...]]:
    """(all, on `local_nodes`): the endpoints of a Service's EndpointSlices x the slice port with
    the service port's name, sorted and unique: the ready ones, or when none is ready the
    serving terminating ones (kube-proxy's terminating fallback, applied to each set on its
    own). An unset `ready` counts as ready, an unset `serving` as `ready`, as the API
    documents. With no `local_nodes` nothing is local."""
    ready: set[Backend] = set()
    fallback: set[Backend] = set()
    local_ready: set[Backend] = set()
    local_fallback: set[Backend] = set()
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
            found = [Backend(addresses[0], n) for n in numbers]  # kube-proxy uses the first address
            (ready if is_ready else fallback).update(found)
            if endpoint.get("nodeName") in local_nodes:
                (local_ready if is_ready else local_fallback).update(found)
    return tuple(sorted(ready or fallback)), tuple(sorted(local_ready or local_fallback))


def _affinity_seconds(spec: Obj) -> int | None:
    if spec.get("sessionAffinity") != "ClientIP":
        return None
    seconds = (((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds"))
    return seconds if isinstance(seconds, int) and seconds > 0 else DEFAULT_AFFINITY_SECONDS


def service_targets(services: Iterable[Obj], slices: Iterable[Obj],
                    local_nodes: Collection[str] = ()) -> list[ServiceTarget]:
    """Every proxied service port with its backends, in a stable order; a Service's slices are
    those labelled with its name in its namespace; `local_nodes` are this proxy's nodes (whose
    endpoints are the local ones).

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
        affinity = _affinity_seconds(spec)
        for port in spec.get("ports") or []:
            if not isinstance(port.get("port"), int):
                continue
            port_name = str(port.get("name") or "")
            protocol = str(port.get("protocol") or "TCP")
            node_port = port.get("nodePort") if spec.get("type") in ("NodePort", "LoadBalancer") else None
            backends, local = categorized_backends(eps, port_name, protocol, local_nodes)
            targets.append(ServiceTarget(
                namespace=namespace, name=name, port_name=port_name, protocol=protocol,
                cluster_ip=str(cluster_ip), port=int(port["port"]),
                node_port=int(node_port) if isinstance(node_port, int) and node_port > 0 else None,
                backends=backends, local_backends=local, affinity_seconds=affinity,
                internal_local=spec.get("internalTrafficPolicy") == "Local",
                external_local=spec.get("externalTrafficPolicy") == "Local"))
    targets.sort(key=lambda t: (t.namespace, t.name, t.port_name, t.protocol))
    return targets
