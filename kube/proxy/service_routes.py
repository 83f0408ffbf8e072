"""Route the service range to a dummy link, so the node's own sockets can reach ClusterIPs.

A node may route the service range nowhere (`blackhole 10.96.0.0/12`, a safety route). A
socket on the node then fails connect() with EINVAL: the route lookup happens before nat
OUTPUT's DNAT, so no iptables rule can help. kube-proxy's IPVS mode has the same need and
answers it with the dummy `kube-ipvs0`; we do the same with `kube-svc0`.

The range's two halves (10.96.0.0/12 -> two /13s) go to the dummy: more specific than the
blackhole, so they win the lookup, and the blackhole stays in place. Two static routes rather
than one /32 per ClusterIP: nothing to keep in step with Services on each sync, no window
in which a new Service is unreachable from the node, and nothing stale to forget. Safety
holds: a dummy device transmits nothing, so a packet that was not DNATed is dropped there.
Kernels built without dummy support get an `ifb` link instead, which likewise drops every
packet not redirected to it by tc (the same safety); both are NOARP with carrier, so routes
through them are used.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

log = logging.getLogger("kube.proxy.routes")

LINK = "kube-svc0"
KINDS = ("dummy", "ifb")  # in order of preference; see the module docstring
EOPNOTSUPP = 95
T = TypeVar("T")


def _own_thread(fn: Callable[[], T]) -> T:
    """fn() in a fresh thread: pyroute2's sync IPRoute runs its own event loop, which fails in
    a thread whose loop is running (cleanup() called from async code). A new thread inherits
    the caller's network namespace, so the links are the caller's."""
    with ThreadPoolExecutor(1, thread_name_prefix="netlink") as pool:
        return pool.submit(fn).result()


def halves(service_cidr: str) -> list[str]:
    """The two halves of the range (one route for a single address, which has none)."""
    net = ipaddress.ip_network(service_cidr, strict=False)
    if net.prefixlen == net.max_prefixlen:
        return [str(net)]
    return [str(half) for half in net.subnets(prefixlen_diff=1)]


def ensure(service_cidr: str) -> list[str]:
    """Create the dummy link (up) if missing and (re)place its routes; returns the routes."""
    routes = halves(service_cidr)
    family = 6 if ":" in service_cidr else 2  # AF_INET6 / AF_INET
    _own_thread(lambda: _place(routes, family))
    log.info("routing %s to %s (past any blackhole of the range)", ", ".join(routes), LINK)
    return routes


def _place(routes: list[str], family: int) -> None:
    with IPRoute() as ipr:
        found = ipr.link_lookup(ifname=LINK)
        if not found:
            _add_link(ipr)
            found = ipr.link_lookup(ifname=LINK)
        index = found[0]
        ipr.link("set", index=index, state="up")
        for dst in routes:
            ipr.route("replace", dst=dst, oif=index, family=family)


def _add_link(ipr: IPRoute) -> None:
    for kind in KINDS:
        try:
            ipr.link("add", ifname=LINK, kind=kind)
            return
        except NetlinkError as exc:
            if exc.code != EOPNOTSUPP or kind == KINDS[-1]:
                raise


def remove() -> bool:
    """Delete the dummy link by name (its routes go with it); False when there was none."""
    return _own_thread(_delete)


def _delete() -> bool:
    with IPRoute() as ipr:
        found = ipr.link_lookup(ifname=LINK)
        if not found:
            return False
        ipr.link("del", index=found[0])
    return True
