"""A peer is another Node as the overlay needs it, read from flannel's annotations: the
same names flannel publishes, so the tools that read them (and people) need no new words."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

from kube.api.meta import Obj

BACKEND_TYPE = "flannel.alpha.coreos.com/backend-type"
BACKEND_DATA = "flannel.alpha.coreos.com/backend-data"
PUBLIC_IP = "flannel.alpha.coreos.com/public-ip"


@dataclass(frozen=True)
class Peer:
    name: str
    pod_cidr: str
    backend: str  # vxlan | host-gw
    public_ip: str
    vtep_mac: str = ""  # vxlan only

    @property
    def gateway(self) -> str:
        """vxlan: the peer's VTEP address, its podCIDR's network address (as flannel)."""
        return str(ipaddress.ip_network(self.pod_cidr, strict=False).network_address)


def annotations(backend: str, public_ip: str, vtep_mac: str) -> dict[str, str]:
    data = {"VNI": 1, "VtepMAC": vtep_mac} if backend == "vxlan" else {}
    return {BACKEND_TYPE: backend, BACKEND_DATA: json.dumps(data, separators=(",", ":")), PUBLIC_IP: public_ip}


def pod_cidr(node: Obj) -> str:
    return str((node.get("spec") or {}).get("podCIDR") or "")


def peer_of(node: Obj) -> Peer | None:
    """The Node as a peer; None until it has a podCIDR and has published a usable backend."""
    meta = node.get("metadata") or {}
    notes = meta.get("annotations") or {}
    cidr, backend, ip = pod_cidr(node), notes.get(BACKEND_TYPE, ""), notes.get(PUBLIC_IP, "")
    if not cidr or backend not in ("vxlan", "host-gw") or not ip:
        return None
    try:
        ipaddress.ip_network(cidr, strict=False)
        ipaddress.IPv4Address(ip)
        data = json.loads(notes.get(BACKEND_DATA) or "{}")
    except ValueError:
        return None
    mac = str(data.get("VtepMAC") or "") if isinstance(data, dict) else ""
    if backend == "vxlan" and not mac:
        return None
    return Peer(str(meta.get("name", "")), cidr, backend, ip, mac)
