"""Endpoints controller: for every Service with a selector, the addresses and ports of the
pods it selects (Kubernetes' endpoints controller).

`desired_endpoints` / `reconcile_endpoints` are pure. Ready pods go to `addresses`,
not-ready ones to `notReadyAddresses` (all to `addresses` with
publishNotReadyAddresses); pods without an IP, finished pods and terminating pods are
left out; a named targetPort resolves per pod through its containers' ports, so pods
with different port numbers land in different subsets. The Endpoints object has the
Service's name and labels (plus the headless label), and no owner: the controller
deletes it with the Service.
"""

from __future__ import annotations

from collections.abc import Hashable

from kube.api.meta import Obj
from kube.controllers.actions import ENDPOINTS, POD, SERVICE, Action, Create, Delete, Update
from kube.controllers.context import Context
from kube.controllers.loop import ControllerLoop, obj_key
from kube.controllers.pod_state import is_ready, is_terminating, phase
from kube.controllers.service_matcher import ServiceMatcher, ServicePodEvents

HEADLESS_LABEL = "service.kubernetes.io/headless"


def has_selector(service: Obj | None) -> bool:
    return bool(service) and bool((service.get("spec") or {}).get("selector"))


def _target_port(service_port: Obj, pod: Obj) -> int | None:
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


def pod_address(pod: Obj) -> Obj:
    meta = pod.get("metadata") or {}
    address: Obj = {"ip": (pod.get("status") or {}).get("podIP"),
                    "targetRef": {"kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta.get("name", ""),
                                  "uid": meta.get("uid", "")}}
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        address["nodeName"] = node
    return address


def _in_endpoints(pod: Obj) -> bool:
    return bool((pod.get("status") or {}).get("podIP")) and not is_terminating(pod) \
        and phase(pod) not in ("Succeeded", "Failed")


def desired_subsets(service: Obj, pods: list[Obj]) -> list[Obj]:
    """Subsets grouped by port list, addresses sorted by IP (RepackSubsets)."""
    spec = service.get("spec") or {}
    publish = bool(spec.get("publishNotReadyAddresses"))
    service_ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    groups: dict[tuple, tuple[list[Obj], list[Obj], list[Obj]]] = {}
    for pod in pods:
        if not _in_endpoints(pod):
            continue
        ports: list[Obj] = []
        for sp in service_ports:
            number = _target_port(sp, pod)
            if number is None:
                continue
            port: Obj = {"port": number, "protocol": sp.get("protocol", "TCP")}
            if sp.get("name"):
                port["name"] = sp["name"]
            if sp.get("appProtocol"):
                port["appProtocol"] = sp["appProtocol"]
            ports.append(port)
        if service_ports and not ports:
            continue
        ports.sort(key=lambda p: (p.get("name", ""), p["port"], p["protocol"]))
        key = tuple((p.get("name", ""), p["port"], p["protocol"]) for p in ports)
        ready, not_ready, _ = groups.setdefault(key, ([], [], ports))
        (ready if publish or is_ready(pod) else not_ready).append(pod_address(pod))
    subsets = []
    for key in sorted(groups):
        ready, not_ready, ports = groups[key]
        subset: Obj = {}
        if ready:
            subset["addresses"] = sorted(ready, key=_address_order)
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=_address_order)
        if ports:
            subset["ports"] = ports
        subsets.append(subset)
    return subsets


def _address_order(address: Obj) -> tuple[str, str]:
    return (str(address.get("ip")), str((address.get("targetRef") or {}).get("uid", "")))


def desired_labels(service: Obj) -> dict[str, str]:
    labels = dict((service.get("metadata") or {}).get("labels") or {})
    if (service.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return labels


def reconcile_endpoints(namespace: str, name: str, service: Obj | None, pods: list[Obj],
                        current: Obj | None) -> list[Action]:
    """Create, update or delete the Endpoints `namespace/name` to match the Service."""
    if service is None:
        return [Delete(ENDPOINTS, namespace, name)] if current is not None else []
    if not has_selector(service):
        return []  # a Service without a selector has hand-made Endpoints
    subsets = desired_subsets(service, pods)
    labels = desired_labels(service)
    if current is None:
        obj: Obj = {"apiVersion": "v1", "kind": "Endpoints",
                    "metadata": {"name": name, "namespace": namespace, "labels": labels}}
        if subsets:
            obj["subsets"] = subsets
        return [Create(ENDPOINTS, obj)]
    meta = current.get("metadata") or {}
    if (current.get("subsets") or []) == subsets and (meta.get("labels") or {}) == labels:
        return []
    updated = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {**meta, "labels": labels}}
    if subsets:
        updated["subsets"] = subsets
    return [Update(ENDPOINTS, updated)]


# --- the loop ------------------------------------------------------------------------------------

class EndpointsController(ControllerLoop):
    """Pod changes reach only the Services the selector index says they can affect."""

    name = "endpoints"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, ctx.options.concurrent_endpoint_syncs)
        self.matcher = ServiceMatcher(ctx.options.engine)

    def setup(self) -> None:
        f = self.ctx.factory
        self.services = f.informer_for(SERVICE)
        self.pods = f.informer_for(POD)
        self.endpoints = f.informer_for(ENDPOINTS)
        ServicePodEvents(self.matcher, lambda ns: self.pods.store.by_index("namespace", ns), self.enqueue,
                         _endpoint_view).attach(self.services, self.pods)
        self.endpoints.add_handler(on_delete=lambda o: self._endpoints_changed(obj_key(o)),
                                   on_update=lambda _o, n: self._endpoints_changed(obj_key(n)))

    def _endpoints_changed(self, key: str) -> None:
        if self.services.store.get(key) is not None:
            self.enqueue(key)

    async def sync(self, key: Hashable) -> float | None:
        namespace, _, name = str(key).partition("/")
        service = self.services.store.get(str(key))
        pods = [p for k in self.matcher.pods_of(str(key)) if (p := self.pods.store.get(k)) is not None]
        current = self.endpoints.store.get(str(key))
        await self.ctx.executor.run(reconcile_endpoints(namespace, name, service, pods, current),
                                    f"endpoints {key}")
        return None


def _endpoint_view(pod: Obj) -> tuple:
    """What of a pod shows in Endpoints: a change elsewhere needs no sync."""
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    return (meta.get("labels"), meta.get("deletionTimestamp"), status.get("podIP"), status.get("phase"),
            is_ready(pod), (pod.get("spec") or {}).get("nodeName"))
