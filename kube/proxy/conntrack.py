"""Stale UDP conntrack entries, found from two syncs' targets and deleted over netlink.

UDP has no connection to end: a conntrack entry for a client's flow to a ClusterIP keeps
its NAT choice (or its lack of one) for as long as the client keeps sending, so the rules
alone cannot move it. Two cases make such flows black holes, and kube-proxy clears both
(pkg/proxy/conntrack/cleanup.go):
- an endpoint left a UDP service port: entries DNATed to it (reply source = that
  endpoint) to the ClusterIP:port and to the NodePort are deleted, so the next datagram
  is NATed afresh to a live endpoint;
- a UDP service port went from no endpoint to some (a DNS server starting while clients
  already ask 10.96.0.10:53): entries to the ClusterIP:port and the NodePort made while it
  was rejected are deleted.
TCP needs none of this: a dead endpoint resets or times the connection out and the client
reconnects through the rules.

Entries are dumped and deleted with pyroute2's conntrack netlink support in the current
network namespace (no `conntrack` binary needed).
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass

from kube.proxy.service_targets import ServiceTarget

log = logging.getLogger("kube.proxy.conntrack")


@dataclass(frozen=True, order=True)
class StaleFlow:
    """Entries to dst_ip:dst_port (UDP) whose reply comes from `endpoint` (any, when None)."""

    dst_ip: str | None  # None: any local address (a NodePort)
    dst_port: int
    endpoint: str | None


def _backend_ips(target: ServiceTarget) -> set[str]:
    return {b.ip for b in (*target.backends, *target.local_backends)}


def stale_flows(before: list[ServiceTarget], after: list[ServiceTarget]) -> list[StaleFlow]:
    """What to delete after replacing `before`'s rules with `after`'s (UDP ports only)."""
    old = {(t.key, t.protocol): t for t in before if t.protocol == "UDP"}
    flows: set[StaleFlow] = set()
    for target in after:
        if target.protocol != "UDP":
            continue
        prior = old.pop((target.key, target.protocol), None)
        gone = _backend_ips(prior) - _backend_ips(target) if prior else set()
        woke = bool(target.backends) and (prior is None or not prior.backends)
        for ip, port in ((target.cluster_ip, target.port), (None, target.node_port)):
            if port is None:
                continue
            flows.update(StaleFlow(ip, port, endpoint) for endpoint in gone)
            if woke:
                flows.add(StaleFlow(ip, port, None))
    for prior in old.values():  # the service port is gone: its endpoints' flows with it
        for ip, port in ((prior.cluster_ip, prior.port), (None, prior.node_port)):
            if port is not None:
                flows.update(StaleFlow(ip, port, endpoint) for endpoint in _backend_ips(prior))
    return sorted(flows, key=lambda f: (f.dst_ip or "", f.dst_port, f.endpoint or ""))


def delete_flows(flows: list[StaleFlow]) -> int:
    """Delete the UDP entries matching `flows` in this network namespace; how many went."""
    if not flows:
        return 0
    from pyroute2 import Conntrack
    from pyroute2.netlink.nfnetlink.nfctsocket import NFCTAttrTuple

    dump = Conntrack()
    try:  # one dump of UDP entries, matched here (the kernel filters only on whole tuples)
        entries = list(dump.dump_entries(tuple_orig=NFCTAttrTuple(proto=socket.IPPROTO_UDP)))
    finally:
        dump.close()
    doomed = [e for e in entries if any(_matches(e, f) for f in flows)]
    deleted = 0
    for entry in doomed:
        ct = Conntrack()  # pyroute2's sync wrapper closes its loop after each call: one socket per delete
        try:
            ct.delete(entry)
            deleted += 1
        except OSError as exc:  # already gone (expired, or deleted by another proxy)
            log.debug("conntrack delete %s: %s", entry, exc)
        finally:
            ct.close()
    if deleted:
        log.info("deleted %d stale UDP conntrack entries", deleted)
    return deleted


def _matches(entry: object, flow: StaleFlow) -> bool:
    orig, reply = entry.tuple_orig, entry.tuple_reply  # type: ignore[attr-defined]
    if orig.dport != flow.dst_port:
        return False
    if flow.dst_ip is not None and orig.daddr != flow.dst_ip:
        return False
    return flow.endpoint is None or reply.saddr == flow.endpoint
