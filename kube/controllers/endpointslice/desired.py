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


class _ServicePorts:
    """A Service's ports read once per sync: numeric targets give every pod the same list,
    named ones are looked up in each pod's containers."""

    __slots__ = ("specs", "constant")

    def __init__(self, service: Obj) -> None:
        self.specs: list[tuple[str, int | str | None, str, str]] = []
        for sp in (service.get("spec") or {}).get("ports") or []:
            if not isinstance(sp, dict):
                continue
            target = sp.get("targetPort", sp.get("port"))
            if isinstance(target, str) and target.isdigit():
                target = int(target)
            self.specs.append((str(sp.get("name") or ""), target if isinstance(target, int | str) else None,
                               str(sp.get("protocol") or "TCP"), str(sp.get("appProtocol") or "")))
        named = any(isinstance(t, str) for _, t, _, _ in self.specs)
        self.constant: PortsKey | None = None if named else tuple(
            (n, t, p, a) for n, t, p, a in self.specs if isinstance(t, int))

    def of(self, pod: Obj) -> PortsKey:
        if self.constant is not None:
            return self.constant
        named = named_ports(pod)
        out = []
        for name, target, protocol, app in self.specs:
            number = target if isinstance(target, int) else named.get((target, protocol))  # type: ignore[arg-type]
            if number is not None:
                out.append((name, number, protocol, app))
        return tuple(out)


def named_ports(pod: Obj) -> dict[tuple[str, str], int]:
    """(port name, protocol) -> containerPort over the pod's containers (the first wins)."""
    out: dict[tuple[str, str], int] = {}
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            name, number = port.get("name"), port.get("containerPort")
            if name and isinstance(number, int):
                out.setdefault((name, port.get("protocol") or "TCP"), number)
    return out


def unresolved_ports(service: Obj, pods: list[Obj]) -> list[str]:
    """Named targetPorts that none of the selected pods has (a typo, or the wrong pods):
    such a Service port gets no endpoint anywhere. Empty while no pod is selected."""
    if not pods:
        return []
    named = [(n, t, p) for n, t, p, _ in _ServicePorts(service).specs if isinstance(t, str)]
    if not named:
        return []
    maps = [named_ports(pod) for pod in pods]
    return [f"{t}/{p}" for n, t, p in named if not any((t, p) in m for m in maps)]


def pod_ports(service: Obj, pod: Obj) -> PortsKey:
    """The pod's ports in Service order, those that do not resolve left out."""
    return _ServicePorts(service).of(pod)


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


def _pod_ip(status: Obj, family: str) -> str | None:
    v6 = family == "IPv6"
    pod_ips = status.get("podIPs")
    if not pod_ips:
        ip = status.get("podIP")
        return ip if isinstance(ip, str) and ip and ((":" in ip) == v6) else None
    for entry in pod_ips:
        ip = entry.get("ip") if isinstance(entry, dict) else None
        if isinstance(ip, str) and ip and ((":" in ip) == v6):
            return ip
    return None


def _ready(status: Obj) -> bool:
    for cond in status.get("conditions") or ():
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def pod_endpoint(service: Obj, pod: Obj, family: str, zones: Mapping[str, str]) -> Obj | None:
    """The endpoint of one pod in a slice of `family`, or None when it has no place there.
    `zones` has every known Node (its zone, or "")."""
    sspec = service.get("spec") or {}
    return _endpoint(pod, family, zones, bool(sspec.get("publishNotReadyAddresses")),
                     (service.get("metadata") or {}).get("name"))


def _endpoint(pod: Obj, family: str, zones: Mapping[str, str], publish: bool, service_name: object) -> Obj | None:
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return None
    ip = _pod_ip(status, family)
    if ip is None:
        return None
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    node = spec.get("nodeName")
    if node and node not in zones and not publish:
        return None
    serving = _ready(status)
    terminating = meta.get("deletionTimestamp") is not None
    endpoint: Obj = {"addresses": [ip],
                     "conditions": {"ready": publish or (serving and not terminating), "serving": serving,
                                    "terminating": terminating}}
    if spec.get("hostname") and spec.get("subdomain") == service_name:
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
    ports_of = _ServicePorts(service).of
    publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
    name = (service.get("metadata") or {}).get("name")
    for pod in pods:
        ports = ports_of(pod)
        for family in families:
            endpoint = _endpoint(pod, family, zones, publish, name)
            if endpoint is not None:
                ref = endpoint["targetRef"]
                group = groups.get((family, ports))
                if group is None:
                    group = groups[(family, ports)] = {}
                group[f"{ref['namespace']}/{ref['name']}" if ref["name"] else f"\0{endpoint['addresses'][0]}"] = \
                    endpoint
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
