"""`cleanup()`: remove everything the pod network made on this host, found by name: the
`vxlan.kube` device (its neighbour and FDB entries go with it), every route with our
protocol, the KUBENET-* chains and the jumps to them. `kube down` calls it; it is safe to
call when nothing is there, and on a host where agents still run (they make it again)."""

from __future__ import annotations

import shutil

from kube.node.network.iptables import Iptables
from kube.node.network.netlink import netlink, remove_all


def cleanup(netns: str | None = None) -> list[str]:
    """Remove the pod network's links, routes and rules; returns what was removed."""
    with netlink(netns) as ipr:
        removed = remove_all(ipr)
    return removed + (Iptables(netns).remove() if shutil.which("iptables") else [])  # none: none made
