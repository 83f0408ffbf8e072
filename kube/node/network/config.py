"""What the pod network is told (mode, cluster CIDR, this node's public IP) and what it
reads from the host before touching it: the uplink (the interface holding the public IP,
or the default route's), its MTU, and whether --cluster-cidr collides with a network
the host already has."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

MODES = ("vxlan", "host-gw", "none")
DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"
DEVICE = "vxlan.kube"  # the VXLAN device: one name, so cleanup finds it
VNI = 1
VXLAN_PORT = 4789  # IANA's VXLAN port (flannel's default too)
VXLAN_OVERHEAD = 50  # outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14
ROUTE_PROTO = 107  # rtm_protocol of every route we add ('k'): cleanup removes routes by it
POD_BRIDGE = re.compile(r"^kube[0-9a-f]{8}$")  # docker_network.py names the pod bridges so
MAIN_TABLE = 254
RTN_UNICAST = 1


class NetworkConfigError(ValueError):
    """The pod network cannot run with these settings on this host (one line, for an Event)."""


@dataclass(frozen=True)
class NetworkConfig:
    mode: str = "vxlan"
    cluster_cidr: str = DEFAULT_CLUSTER_CIDR
    public_ip: str = ""  # "" = the address of the interface holding the default route
    netns: str | None = None  # tests: program a network namespace instead of the host's


@dataclass(frozen=True)
class Uplink:
    ip: str
    index: int
    name: str
    mtu: int


def parse_cluster_cidr(text: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError:
        raise NetworkConfigError(f"--cluster-cidr {text!r} is not an IPv4 network (e.g. 10.244.0.0/16)") from None
    if not isinstance(net, ipaddress.IPv4Network) or net.prefixlen > 24:
        raise NetworkConfigError(f"--cluster-cidr {text}: need an IPv4 network of /24 or larger")
    return net


def _addresses(ipr: Any) -> list[tuple[int, str, int]]:
    return [(a["index"], a.get("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(family=2)]


def _names(ipr: Any) -> dict[int, str]:
    return {link["index"]: link.get("IFLA_IFNAME") for link in ipr.get_links()}


def local_addresses(ipr: Any) -> set[str]:
    return {addr for _i, addr, _p in _addresses(ipr)}


def find_uplink(ipr: Any, public_ip: str = "") -> Uplink:
    """The interface VXLAN packets leave by: the one holding `public_ip`, else the default route's."""
    addrs = _addresses(ipr)
    if public_ip:
        index = next((i for i, a, _p in addrs if a == public_ip), None)
        if index is None:
            raise NetworkConfigError(f"--node-ip {public_ip} is not an address of this host")
    else:
        default = [r for r in ipr.get_routes(family=2, table=MAIN_TABLE) if r["dst_len"] == 0
                   and r["type"] == RTN_UNICAST and r.get("RTA_OIF")]
        if not default:
            raise NetworkConfigError("no default route: pass --node-ip (the address peers reach this node at)")
        index = default[0].get("RTA_OIF")
        public_ip = next((a for i, a, _p in addrs if i == index), "")
        if not public_ip:
            raise NetworkConfigError("the default route's interface has no IPv4 address: pass --node-ip")
    link = ipr.get_links(index)[0]
    return Uplink(public_ip, index, link.get("IFLA_IFNAME"), int(link.get("IFLA_MTU") or 1500))


def pod_mtu(mode: str, uplink: Uplink) -> int | None:
    """The MTU of the VXLAN device, and so of every pod's interface: a pod sending a full
    1500-byte frame into a smaller device would have it dropped or fragmented. None (Docker's
    default, the uplink's size) where nothing is encapsulated."""
    return uplink.mtu - VXLAN_OVERHEAD if mode == "vxlan" else None


def cidr_overlap(ipr: Any, cluster_cidr: str) -> str:
    """Why --cluster-cidr cannot be used here ("" when it can): a route of the host (an
    interface's network, a static route) other than the pod bridges, our own routes and
    blackholes (the safety routes) that overlaps it would swallow or steal pod traffic."""
    cluster = parse_cluster_cidr(cluster_cidr)
    names = _names(ipr)
    for route in ipr.get_routes(family=2, table=MAIN_TABLE):
        if route["dst_len"] == 0 or route["type"] != RTN_UNICAST or route["proto"] == ROUTE_PROTO:
            continue
        dev = names.get(route.get("RTA_OIF"), "")
        if dev == DEVICE or POD_BRIDGE.match(dev or ""):
            continue
        net = ipaddress.ip_network(f"{route.get('RTA_DST')}/{route['dst_len']}", strict=False)
        if net.overlaps(cluster):
            return f"--cluster-cidr {cluster_cidr} overlaps the host's route {net} (dev {dev or '?'})"
    return ""
