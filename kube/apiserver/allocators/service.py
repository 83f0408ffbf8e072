"""ClusterIP and NodePort allocation for Services, as the Kubernetes API server does it.

- `clusterIP: None` (headless) and ExternalName Services get no IP;
- a requested clusterIP / nodePort is honoured if it is in range and free,
  otherwise 422 Invalid on `spec.clusterIPs[0]` / `spec.ports[i].nodePort`;
- NodePort and LoadBalancer Services get a nodePort per port (unless
  `allocateLoadBalancerNodePorts: false`);
- the `kubernetes` Service in `default` gets the first usable IP;
- on update, allocated values carry over when the new object omits them
  (as kubectl apply and patches expect), the IP never changes, and items the
  new object no longer uses are freed.
Whatever one call allocated is freed again if that call fails.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from kube.api.errors import FieldError, StatusError, invalid, invalid_object
from kube.api.meta import Obj
from kube.apiserver.allocators.ranges import IpRange, PortRange
from kube.apiserver.allocators.store_keys import KeyAllocator, RangeFullError
from kube.store.protocol import Store

IPS = "serviceips"
NODE_PORTS = "servicenodeports"
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def _owner(service: Obj) -> str:
    """Who holds an item: namespace/name, plus the uid when set (give the Service its uid before
    allocating, so a failed duplicate create cannot free the winner's items)."""
    meta = service.get("metadata") or {}
    owner = f"{meta.get('namespace') or 'default'}/{meta.get('name') or ''}"
    return f"{owner}/{meta['uid']}" if meta.get("uid") else owner


def _spec(service: Obj) -> dict[str, Any]:
    spec = service.get("spec")
    return spec if isinstance(spec, dict) else {}


def _type(service: Obj) -> str:
    return str(_spec(service).get("type") or "ClusterIP")


def _requested_ip(spec: dict[str, Any]) -> str:
    ips = spec.get("clusterIPs")
    if isinstance(ips, list) and ips and isinstance(ips[0], str) and ips[0]:
        return ips[0]
    ip = spec.get("clusterIP")
    return ip if isinstance(ip, str) else ""


def _wants_node_ports(service: Obj) -> bool:
    kind = _type(service)
    if kind == "LoadBalancer" and _spec(service).get("allocateLoadBalancerNodePorts") is False:
        return False
    return kind in NODE_PORT_TYPES


def _ports(spec: dict[str, Any]) -> list[dict[str, Any]]:
    ports = spec.get("ports")
    return [p for p in ports if isinstance(p, dict)] if isinstance(ports, list) else []


def _port_key(port: dict[str, Any]) -> tuple[Any, Any, Any]:
    return port.get("name") or "", port.get("port"), port.get("protocol") or "TCP"


class _Allocation:
    """What one call has claimed so far, to undo it if the call fails."""

    def __init__(self) -> None:
        self.ips: list[str] = []
        self.ports: list[int] = []


class ServiceAllocators:
    def __init__(self, store: Store, service_cidr: str = "10.96.0.0/12", node_port_range: str = "30000-32767",
                 rng: Any = None) -> None:
        self.ip_range = IpRange.parse(service_cidr)
        self.port_range = PortRange.parse(node_port_range)
        self._ips = KeyAllocator(store, IPS, rng)
        self._ports = KeyAllocator(store, NODE_PORTS, rng)

    # ---- public API -------------------------------------------------------------------------

    async def allocate(self, service: Obj) -> Obj:
        """A copy of service with clusterIP(s) and nodePorts filled in (and claimed in the store)."""
        out = copy.deepcopy(service)
        done = _Allocation()
        try:
            await self._assign_ip(out, None, done)
            await self._assign_node_ports(out, None, done)
        except BaseException:
            await self._undo(done, _owner(service))
            raise
        return out

    async def release(self, service: Obj) -> None:
        """Free everything service holds (on delete, or when its create failed)."""
        owner = _owner(service)
        spec = _spec(service)
        for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
            if isinstance(ip, str) and ip and ip != "None":
                await self._ips.release(ip, owner)
        for port in _ports(spec):
            if isinstance(port.get("nodePort"), int):
                await self._ports.release(port["nodePort"], owner)

    async def update(self, old: Obj, new: Obj) -> Obj:
        """new with allocations carried over, added or freed; the clusterIP never changes."""
        out = copy.deepcopy(new)
        done = _Allocation()
        try:
            await self._assign_ip(out, old, done)
            await self._assign_node_ports(out, old, done)
        except BaseException:
            await self._undo(done, _owner(new))
            raise
        await self._free_unused(old, out)
        return out

    async def allocated(self) -> tuple[dict[str, str], dict[str, str]]:
        """(ip -> owner, nodePort -> owner) as stored: for repair and inspection."""
        return await self._ips.owners(), await self._ports.owners()

    async def repair(self, services: list[Obj]) -> tuple[list[str], list[str]]:
        """Free items no existing Service holds (leaked by a crash between allocate and write).

        Pass every Service read at one revision; allocations made after that read
        may be freed wrongly, so run it from a quiet moment (start-up) or compare
        against a fresh list. Returns the (ips, ports) freed.
        """
        held_ips: set[str] = set()
        held_ports: set[str] = set()
        for svc in services:
            owner = _owner(svc)
            spec = _spec(svc)
            for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
                if isinstance(ip, str):
                    held_ips.add(f"{ip}={owner}")
            for port in _ports(spec):
                held_ports.add(f"{port.get('nodePort')}={owner}")
        ips, ports = await self.allocated()
        freed_ips = [ip for ip, owner in ips.items()
                     if f"{ip}={owner}" not in held_ips and await self._ips.release(ip, owner)]
        freed_ports = [port for port, owner in ports.items()
                       if f"{port}={owner}" not in held_ports and await self._ports.release(port, owner)]
        return freed_ips, freed_ports

    # ---- cluster IPs ------------------------------------------------------------------------

    async def _assign_ip(self, svc: Obj, old: Obj | None, done: _Allocation) -> None:
        spec = svc.setdefault("spec", {})
        if not isinstance(spec, dict):
            return
        name = (svc.get("metadata") or {}).get("name") or ""
        kind = _type(svc)
        requested = _requested_ip(spec)
        old_ip = _requested_ip(_spec(old)) if old is not None else ""
        if kind == "ExternalName":
            for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
                spec.pop(key, None)
            return
        if old is not None and old_ip and _type(old) != "ExternalName":
            if not requested:
                requested = old_ip  # carried over: an update that omits it keeps it
            elif requested != old_ip:
                raise self._invalid(name, "spec.clusterIPs[0]", [requested], "may not change once set")
            if requested == "None" and kind in NODE_PORT_TYPES:
                raise self._invalid(name, "spec.clusterIPs[0]", requested,
                                    f"may not be set to 'None' for {kind} services")
            self._set_ip(spec, requested)
            return
        if requested == "None":
            if kind in NODE_PORT_TYPES:
                raise self._invalid(name, "spec.clusterIPs[0]", requested,
                                    f"may not be set to 'None' for {kind} services")
            self._set_ip(spec, "None")
            return
        owner = _owner(svc)
        namespace = (svc.get("metadata") or {}).get("namespace") or "default"
        if not requested and name == "kubernetes" and namespace == "default":
            requested = self.ip_range.kubernetes_ip
        if requested:
            self._check_ip(name, requested)
            if not await self._ips.claim(requested, owner):
                raise self._invalid(name, "spec.clusterIPs[0]", requested,
                                    f"failed to allocate IP {requested}: provided IP is already allocated")
            done.ips.append(requested)
            self._set_ip(spec, requested)
            return
        try:
            ip = str(await self._ips.claim_any(owner, self.ip_range.random_candidate, self.ip_range.scan))
        except RangeFullError:
            raise self._invalid(name, "spec.clusterIPs", None,
                                "failed to allocate a serviceIP: range is full") from None
        done.ips.append(ip)
        self._set_ip(spec, ip)

    def _set_ip(self, spec: dict[str, Any], ip: str) -> None:
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
        if ip != "None":
            spec.setdefault("ipFamilies", [self.ip_range.family])
        spec.setdefault("ipFamilyPolicy", "SingleStack")

    def _check_ip(self, name: str, ip: str) -> None:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise self._invalid(name, "spec.clusterIPs[0]", ip,
                                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)") from None
        if not self.ip_range.contains(ip):
            raise self._invalid(name, "spec.clusterIPs[0]", ip,
                                f"failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. "
                                f"The range of valid IPs is {self.ip_range}")

    # ---- node ports -------------------------------------------------------------------------

    async def _assign_node_ports(self, svc: Obj, old: Obj | None,
                                 done: _Allocation) -> None:
        spec = _spec(svc)
        name = (svc.get("metadata") or {}).get("name") or ""
        ports = _ports(spec)
        if not _wants_node_ports(svc):
            for i, port in enumerate(ports):
                if port.get("nodePort") and _type(svc) == "ClusterIP" and (
                        old is None or not _wants_node_ports(old)):
                    raise self._invalid(name, f"spec.ports[{i}].nodePort", port["nodePort"],
                                        "may not be used when `type` is 'ClusterIP'")
                port.pop("nodePort", None)  # leaving NodePort/LoadBalancer frees them (see _free_unused)
            return
        owner = _owner(svc)
        previous = {_port_key(p): p.get("nodePort") for p in _ports(_spec(old))} if old is not None else {}
        held = {n for n in previous.values() if isinstance(n, int)} if old is not None and _wants_node_ports(
            old) else set()
        mine: set[int] = set()
        for i, port in enumerate(ports):
            wanted = port.get("nodePort")
            if not wanted and _port_key(port) in previous and previous[_port_key(port)] in held:
                wanted = previous[_port_key(port)]  # carried over from the old object
            if wanted:
                if isinstance(wanted, bool) or not isinstance(wanted, int):
                    raise self._invalid(name, f"spec.ports[{i}].nodePort", wanted, "must be an integer")
                if wanted not in mine and wanted not in held:
                    await self._claim_port(name, i, wanted, owner, done)
                port["nodePort"] = wanted
                mine.add(wanted)
                continue
            try:
                got = int(await self._ports.claim_any(owner, self.port_range.random_candidate,  # type: ignore[arg-type]
                                                      self.port_range.scan))
            except RangeFullError:
                raise self._invalid(name, f"spec.ports[{i}].nodePort", None,
                                    "failed to allocate a nodePort: range is full") from None
            done.ports.append(got)
            mine.add(got)
            port["nodePort"] = got

    async def _claim_port(self, name: str, index: int, port: int, owner: str, done: _Allocation) -> None:
        path = f"spec.ports[{index}].nodePort"
        if not self.port_range.contains(port):
            raise self._invalid(name, path, port, "provided port is not in the valid range. "
                                f"The range of valid ports is {self.port_range}")
        if not await self._ports.claim(port, owner):
            raise self._invalid(name, path, port, "provided port is already allocated")
        done.ports.append(port)

    # ---- freeing ----------------------------------------------------------------------------

    async def _free_unused(self, old: Obj, new: Obj) -> None:
        owner = _owner(old)
        old_ip, new_ip = _requested_ip(_spec(old)), _requested_ip(_spec(new))
        if old_ip and old_ip != "None" and old_ip != new_ip:
            await self._ips.release(old_ip, owner)
        keep = {p.get("nodePort") for p in _ports(_spec(new))}
        for port in _ports(_spec(old)):
            if isinstance(port.get("nodePort"), int) and port["nodePort"] not in keep:
                await self._ports.release(port["nodePort"], owner)

    async def _undo(self, done: _Allocation, owner: str) -> None:
        for ip in done.ips:
            await self._ips.release(ip, owner)
        for port in done.ports:
            await self._ports.release(port, owner)

    @staticmethod
    def _invalid(name: str, path: str, value: Any, detail: str) -> StatusError:
        error = invalid(path, value, detail) if value is not None else FieldError(
            "FieldValueInvalid", path, detail)
        return invalid_object("Service", name, [error])
