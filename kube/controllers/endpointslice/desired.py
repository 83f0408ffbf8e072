"""What a Service's pods contribute to its EndpointSlices: one endpoint per pod, grouped by
address type and the port list its containers resolve the Service's targetPorts to.

Conditions follow Kubernetes: `serving` is the pod's readiness, `terminating` its
deletionTimestamp, `ready` serving and not terminating (always true with
publishNotReadyAddresses). Terminating pods stay in, so proxies can fall back to them; pods
without an IP of the slice's family and finished pods do not, nor (as Kubernetes, unless
publishNotReadyAddresses) pods on a Node the cache does not know: the caller retries them.
A Service port whose named targetPort a pod lacks is left out of that pod's port list
(Kubernetes' getEndpointPorts), so such pods land in a slice of their own port list.
"""

from __future__ import annotations

from collections.abc import Mapping

from kube.api.meta import Obj
from kube.controllers.pod_state import is_ready

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
HEADLESS_LABEL = "service.kubernetes.io/headless"
ZONE_LABEL = "topology.kubernetes.io/zone"

PortsKey = tuple[tuple[str, int, str, str], ...]  # (name, port, protocol, appProtocol) per Service port
GroupKey = tuple[str, PortsKey]  # (addressType, ports)


def address_types(service: Obj) -> list[str]:
    families = [f for f in (service.get("spec") or {}).get("ipFamilies") or [] if f in ("IPv4", "IPv6")]
    return families or ["IPv4"]


def _resolve(service_port: Obj, pod: Obj) -> int | None:
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol", "TCP")
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return port.get("containerPort")
    return None


def pod_ports(service: Obj, pod: Obj) -> PortsKey:
    """The pod's ports in Service order, those that do not resolve left out."""
    service_ports = [p for p in (service.get("spec") or {}).get("ports") or [] if isinstance(p, dict)]
    out = []
    for sp in service_ports:
        number = _resolve(sp, pod)
        if number is not None:
            out.append((str(sp.get("name") or ""), int(number), str(sp.get("protocol") or "TCP"),
                        str(sp.get("appProtocol") or "")))
    return tuple(out)


def ports_json(ports: PortsKey) -> list[Obj]:
    out = []
    for name, number, protocol, app in ports:
        port: Obj = {"name": name, "port": number, "protocol": protocol}
        if app:
            port["appProtocol"] = app
        out.append(port)
    return out


def ports_key(ports: object) -> PortsKey:
    """The key of a slice's `ports` as stored (defaults filled in as the server fills them)."""
    out = []
    for p in ports if isinstance(ports, list) else []:
        if isinstance(p, dict):
            out.append((str(p.get("name") or ""), int(p.get("port") or 0), str(p.get("protocol") or "TCP"),
                        str(p.get("appProtocol") or "")))
    return tuple(out)


def _pod_ip(pod: Obj, family: str) -> str | None:
    status = pod.get("status") or {}
    ips = [p.get("ip") for p in status.get("podIPs") or [] if isinstance(p, dict)] or [status.get("podIP")]
    for ip in ips:
        if isinstance(ip, str) and ip and ((":" in ip) == (family == "IPv6")):
            return ip
    return None


def pod_endpoint(service: Obj, pod: Obj, family: str, zones: Mapping[str, str]) -> Obj | None:
    """The endpoint of one pod in a slice of `family`, or None when it has no place there.
    `zones` has every known Node (its zone, or "")."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return None
    ip = _pod_ip(pod, family)
    if ip is None:
        return None
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    sspec = service.get("spec") or {}
    publish = bool(sspec.get("publishNotReadyAddresses"))
    node = spec.get("nodeName")
    if node and node not in zones and not publish:
        return None
    serving = is_ready(pod)
    terminating = meta.get("deletionTimestamp") is not None
    endpoint: Obj = {"addresses": [ip],
                     "conditions": {"ready": publish or (serving and not terminating), "serving": serving,
                                    "terminating": terminating}}
    smeta = service.get("metadata") or {}
    if spec.get("hostname") and spec.get("subdomain") == smeta.get("name"):
        endpoint["hostname"] = spec["hostname"]
    if node:
        endpoint["nodeName"] = node
        zone = zones.get(node)
        if zone:
            endpoint["zone"] = zone
    endpoint["targetRef"] = {"kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta.get("name", ""),
                             "uid": meta.get("uid", "")}
    return endpoint


def endpoint_key(endpoint: Obj) -> str:
    """Which pod an endpoint stands for (its targetRef), so an update replaces it in place."""
    ref = endpoint.get("targetRef") or {}
    if ref.get("name"):
        return f"{ref.get('namespace', '')}/{ref['name']}"
    addresses = endpoint.get("addresses") or [""]
    return f"\0{addresses[0]}"


def desired_groups(service: Obj, pods: list[Obj], zones: Mapping[str, str]) -> dict[GroupKey, dict[str, Obj]]:
    """Endpoints by (addressType, ports), keyed by endpoint_key."""
    groups: dict[GroupKey, dict[str, Obj]] = {}
    families = address_types(service)
    for pod in pods:
        ports = pod_ports(service, pod)
        for family in families:
            endpoint = pod_endpoint(service, pod, family, zones)
            if endpoint is not None:
                groups.setdefault((family, ports), {})[endpoint_key(endpoint)] = endpoint
    return groups


def slice_labels(service: Obj) -> dict[str, str]:
    meta = service.get("metadata") or {}
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL)}
    labels[SERVICE_NAME_LABEL] = meta.get("name", "")
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    if (service.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return labels


def owner_reference(service: Obj) -> Obj:
    meta = service.get("metadata") or {}
    return {"apiVersion": "v1", "kind": "Service", "name": meta.get("name", ""), "uid": meta.get("uid", ""),
            "controller": True, "blockOwnerDeletion": True}
