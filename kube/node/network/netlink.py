"""The kernel side of the overlay, through pyroute2 (netlink; no `ip` processes): the
VXLAN device and, per peer, a route plus (vxlan) a neighbour and an FDB entry.

Everything made here is found again by name: the device is `vxlan.kube`, and every route
carries rtm_protocol ROUTE_PROTO. So a restarted agent can reconcile what a previous run
left, and cleanup needs no state file. Neighbour and FDB entries live on the device and go
with it."""

from __future__ import annotations

import errno
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyroute2 import IPRoute, NetlinkError, NetNS

from kube.node.network.config import (
    DEVICE,
    MAIN_TABLE,
    ROUTE_PROTO,
    VNI,
    VXLAN_PORT,
    Uplink,
    pod_mtu,
)
from kube.node.network.peers import Peer

NUD_PERMANENT = 0x80
GONE = (errno.ENOENT, errno.ESRCH, errno.ENODEV, errno.EADDRNOTAVAIL)


@contextmanager
def netlink(netns: str | None = None) -> Iterator[Any]:
    """A netlink socket on the host's network namespace, or on `netns` (tests)."""
    ipr = NetNS(netns) if netns else IPRoute()
    try:
        yield ipr
    finally:
        ipr.close()


def _ignore_gone(call: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        call(*args, **kwargs)
        return True
    except NetlinkError as exc:
        if exc.code in GONE:
            return False
        raise


def device_index(ipr: Any) -> int | None:
    found = ipr.link_lookup(ifname=DEVICE)
    return found[0] if found else None


def _vxlan_matches(link: Any, uplink: Uplink) -> bool:
    data = (link.get_attr("IFLA_LINKINFO") or {}).get_attr("IFLA_INFO_DATA")
    if data is None:
        return False
    return (data.get_attr("IFLA_VXLAN_ID") == VNI and data.get_attr("IFLA_VXLAN_LOCAL") == uplink.ip
            and data.get_attr("IFLA_VXLAN_PORT") == VXLAN_PORT and data.get_attr("IFLA_VXLAN_LEARNING") == 0
            and data.get_attr("IFLA_VXLAN_LINK") == uplink.index)


def ensure_vxlan(ipr: Any, uplink: Uplink, pod_cidr: str) -> str:
    """The VXLAN device as it should be (re-made when its VNI, port or local IP differ);
    returns its MAC, the VtepMAC peers put in their neighbour and FDB entries."""
    index = device_index(ipr)
    if index is not None and not _vxlan_matches(ipr.get_links(index)[0], uplink):
        ipr.link("del", index=index)
        index = None
    if index is None:
        try:
            ipr.link("add", ifname=DEVICE, kind="vxlan", vxlan_id=VNI, vxlan_local=uplink.ip,
                     vxlan_port=VXLAN_PORT, vxlan_learning=0, vxlan_link=uplink.index)
        except NetlinkError as exc:
            if exc.code != errno.EEXIST:  # another agent of this host made it meanwhile (make up)
                raise
        index = device_index(ipr)
        assert index is not None
    ipr.link("set", index=index, mtu=pod_mtu("vxlan", uplink), state="up")
    if pod_cidr:  # the VTEP address: the podCIDR's network address, as flannel (peers route via it)
        want = str(ipaddress.ip_network(pod_cidr, strict=False).network_address)
        # only added, never swapped: the minions of `make up` share this device, each with its address
        have = [(a.get("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(index=index, family=2)]
        if (want, 32) not in have:
            try:
                ipr.addr("add", index=index, address=want, prefixlen=32)
            except NetlinkError as exc:
                if exc.code != errno.EEXIST:
                    raise
    return str(ipr.get_links(index)[0].get("IFLA_ADDRESS"))


def program(ipr: Any, peer: Peer) -> None:
    """Route (and for vxlan neighbour + FDB entry) to one peer; idempotent (replace)."""
    if peer.backend == "host-gw":
        ipr.route("replace", dst=peer.pod_cidr, gateway=peer.public_ip, proto=ROUTE_PROTO, table=MAIN_TABLE)
        return
    index = device_index(ipr)
    if index is None:
        raise RuntimeError(f"{DEVICE} is missing")
    _ensure_fdb(ipr, index, peer.vtep_mac, peer.public_ip)
    ipr.neigh("replace", dst=peer.gateway, lladdr=peer.vtep_mac, ifindex=index, state="permanent")
    ipr.route("replace", dst=peer.pod_cidr, gateway=peer.gateway, oif=index, flags=["onlink"],
              proto=ROUTE_PROTO, table=MAIN_TABLE)


def _ensure_fdb(ipr: Any, index: int, mac: str, dst: str) -> None:
    """`bridge fdb append` once (the kernel refuses "replace" for a VXLAN's remote entries)."""
    have = [f.get("NDA_DST") for f in ipr.fdb("dump", ifindex=index) if f.get("NDA_LLADDR") == mac]
    if have == [dst]:
        return
    for old in have:
        _ignore_gone(ipr.fdb, "del", ifindex=index, lladdr=mac, dst=old)
    ipr.fdb("append", ifindex=index, lladdr=mac, dst=dst, state=NUD_PERMANENT)


def unprogram(ipr: Any, peer: Peer) -> None:
    """Remove what `program` added for this peer (what is already gone is fine)."""
    _ignore_gone(ipr.route, "del", dst=peer.pod_cidr, proto=ROUTE_PROTO, table=MAIN_TABLE)
    if peer.backend != "vxlan":
        return
    index = device_index(ipr)
    if index is None:
        return
    _ignore_gone(ipr.neigh, "del", dst=peer.gateway, lladdr=peer.vtep_mac, ifindex=index)
    _ignore_gone(ipr.fdb, "del", ifindex=index, lladdr=peer.vtep_mac, dst=peer.public_ip)


def our_routes(ipr: Any) -> list[str]:
    """The destinations of the routes we added (by their protocol)."""
    return [f"{r.get('RTA_DST')}/{r['dst_len']}" for r in ipr.get_routes(family=2, table=MAIN_TABLE)
            if r["proto"] == ROUTE_PROTO]


def prune(ipr: Any, keep: set[str]) -> list[str]:
    """Remove our routes to podCIDRs not in `keep` and the device's neighbour/FDB entries
    for them (left by a previous run, or by a Node deleted while we were away)."""
    removed = []
    for dst in our_routes(ipr):
        if dst not in keep:
            _ignore_gone(ipr.route, "del", dst=dst, proto=ROUTE_PROTO, table=MAIN_TABLE)
            removed.append(dst)
    index = device_index(ipr)
    if index is None:
        return removed
    gateways = {str(ipaddress.ip_network(c, strict=False).network_address) for c in keep}
    macs = set()
    for n in ipr.get_neighbours(ifindex=index, family=2):
        if n.get("NDA_DST") in gateways:
            macs.add(n.get("NDA_LLADDR"))
        elif n["state"] & NUD_PERMANENT:
            _ignore_gone(ipr.neigh, "del", dst=n.get("NDA_DST"), ifindex=index)
    for f in ipr.fdb("dump", ifindex=index):
        mac = f.get("NDA_LLADDR")
        if f.get("NDA_DST") and mac not in macs and mac != "00:00:00:00:00:00":
            _ignore_gone(ipr.fdb, "del", ifindex=index, lladdr=mac, dst=f.get("NDA_DST"))
    return removed


def remove_device(ipr: Any) -> bool:
    """Delete the device; its neighbour and FDB entries and routes go with it."""
    index = device_index(ipr)
    return index is not None and _ignore_gone(ipr.link, "del", index=index)


def remove_all(ipr: Any) -> list[str]:
    """Delete the device and every route with our protocol; returns what was removed."""
    removed = [f"link {DEVICE}"] if remove_device(ipr) else []
    for dst in our_routes(ipr):
        if _ignore_gone(ipr.route, "del", dst=dst, proto=ROUTE_PROTO, table=MAIN_TABLE):
            removed.append(f"route {dst}")
    return removed
