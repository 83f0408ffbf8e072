"""Render the desired `ServiceTarget`s as one `iptables-restore --noflush` payload.

The chain layout is kube-proxy's, so operators can read it: in the nat table
KUBE-SERVICES (jumped from PREROUTING and OUTPUT) matches ClusterIP:port and hands
node-local destinations to KUBE-NODEPORTS; each service port has a KUBE-SVC-* chain that
picks one KUBE-SEP-* (DNAT to podIP:port) with `-m statistic --probability 1/n`, 1/(n-1),
..., 1 so the choice is uniform; KUBE-MARK-MASQ / KUBE-POSTROUTING masquerade what
needs it. Service ports without ready endpoints are REJECTed in the filter table (REJECT
is not allowed in nat). Every chain we own starts with KUBE-, which is what makes
`--cleanup` exact.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from kube.proxy.service_targets import Backend, ServiceTarget

MASQ_MARK = "0x4000"
SERVICES = "KUBE-SERVICES"
NODEPORTS = "KUBE-NODEPORTS"
POSTROUTING = "KUBE-POSTROUTING"
MARK_MASQ = "KUBE-MARK-MASQ"
FILTER_SERVICES = "KUBE-SERVICES"
FILTER_NODEPORTS = "KUBE-EXTERNAL-SERVICES"
FILTER_FORWARD = "KUBE-FORWARD"

NAT_FIXED_CHAINS = (SERVICES, NODEPORTS, POSTROUTING, MARK_MASQ)
FILTER_FIXED_CHAINS = (FILTER_SERVICES, FILTER_NODEPORTS, FILTER_FORWARD)


@dataclass(frozen=True)
class Jump:
    """A rule we add to a built-in chain (and remove on cleanup)."""

    table: str
    chain: str
    args: tuple[str, ...]


JUMPS: tuple[Jump, ...] = (
    Jump("nat", "PREROUTING", ("-m", "comment", "--comment", "kubernetes service portals", "-j", SERVICES)),
    Jump("nat", "OUTPUT", ("-m", "comment", "--comment", "kubernetes service portals", "-j", SERVICES)),
    Jump("nat", "POSTROUTING", ("-m", "comment", "--comment", "kubernetes postrouting rules", "-j", POSTROUTING)),
    Jump("filter", "INPUT", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                             "kubernetes externally-visible service portals", "-j", FILTER_NODEPORTS)),
    Jump("filter", "FORWARD", ("-m", "comment", "--comment", "kubernetes forwarding rules", "-j", FILTER_FORWARD)),
    Jump("filter", "FORWARD", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                               "kubernetes service portals", "-j", FILTER_SERVICES)),
    Jump("filter", "OUTPUT", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                              "kubernetes service portals", "-j", FILTER_SERVICES)),
)


def _hash(text: str) -> str:
    """16 base32 characters of sha256, as kube-proxy names its chains (28 chars max)."""
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def svc_chain(target: ServiceTarget) -> str:
    return "KUBE-SVC-" + _hash(target.key + target.protocol.lower())


def sep_chain(target: ServiceTarget, backend: Backend) -> str:
    return "KUBE-SEP-" + _hash(f"{target.key}{target.protocol.lower()}{backend.ip}:{backend.port}")


def probability(index: int, count: int) -> str | None:
    """The statistic match for backend `index` of `count`: 1/(count-index), none for the last.

    Tried in order, rule i is reached with probability (count-i)/count and then taken with
    1/(count-i), so every backend is chosen with probability exactly 1/count.
    """
    remaining = count - index
    if remaining <= 1:
        return None
    return f"{1.0 / remaining:.10f}"


def _comment(target: ServiceTarget) -> list[str]:
    return ["-m", "comment", "--comment", f'"{target.key}"']


def forward_rules(cluster_cidr: str | None) -> list[str]:
    """Let service traffic through a FORWARD chain whose policy is DROP (Docker sets that).

    Marked (masqueraded) flows, flows we DNATed to a pod, and their replies, as
    kube-proxy's KUBE-FORWARD does; restricted to the pod range when it is known.
    """
    to_pods = f" -d {cluster_cidr}" if cluster_cidr else ""
    rules = [f"-A {FILTER_FORWARD} -m comment --comment \"kubernetes forwarding rules\" "
             f"-m mark --mark {MASQ_MARK}/{MASQ_MARK} -j ACCEPT",
             f"-A {FILTER_FORWARD}{to_pods} -m conntrack --ctstate DNAT -m comment --comment "
             f"\"kubernetes service traffic to pods\" -j ACCEPT"]
    if cluster_cidr:
        rules += [f"-A {FILTER_FORWARD} -s {cluster_cidr} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                  f"-A {FILTER_FORWARD} -d {cluster_cidr} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"]
    else:
        rules.append(f"-A {FILTER_FORWARD} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    return rules


def render(targets: Iterable[ServiceTarget], *, cluster_cidr: str | None,
           stale_nat_chains: Iterable[str] = ()) -> str:
    """The whole iptables-restore --noflush payload for nat and filter.

    Declaring a chain flushes it, so every chain we own is rewritten in one atomic
    commit; `stale_nat_chains` (KUBE-SVC/SEP chains of services that are gone) are
    flushed and deleted in the same commit.
    """
    targets = list(targets)
    nat_chains: list[str] = list(NAT_FIXED_CHAINS)
    nat: list[str] = [
        f"-A {MARK_MASQ} -j MARK --or-mark {MASQ_MARK}",
        f"-A {POSTROUTING} -m mark ! --mark {MASQ_MARK}/{MASQ_MARK} -j RETURN",
        f"-A {POSTROUTING} -j MARK --xor-mark {MASQ_MARK}",
        f"-A {POSTROUTING} -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE",
    ]
    filt = forward_rules(cluster_cidr)
    for target in targets:
        proto = target.protocol.lower()
        if not target.backends:
            filt.append(f"-A {FILTER_SERVICES} -d {target.cluster_ip}/32 -p {proto} -m {proto} "
                        f"--dport {target.port} -m comment --comment \"{target.key} has no endpoints\" "
                        f"-j REJECT --reject-with icmp-port-unreachable")
            if target.node_port:
                rej = (f"-p {proto} -m addrtype --dst-type LOCAL -m {proto} --dport {target.node_port} "
                       f"-m comment --comment \"{target.key} has no endpoints\" "
                       f"-j REJECT --reject-with icmp-port-unreachable")
                filt.append(f"-A {FILTER_NODEPORTS} {rej}")
                filt.append(f"-A {FILTER_SERVICES} {rej}")
            continue
        svc = svc_chain(target)
        nat_chains.append(svc)
        comment = " ".join(_comment(target))
        match = f"-d {target.cluster_ip}/32 -p {proto} -m {proto} --dport {target.port}"
        if cluster_cidr:
            nat.append(f"-A {SERVICES} {comment} {match} ! -s {cluster_cidr} -j {MARK_MASQ}")
        else:  # without the pod range we cannot tell who needs SNAT: masquerade all, as --masquerade-all
            nat.append(f"-A {SERVICES} {comment} {match} -j {MARK_MASQ}")
        nat.append(f"-A {SERVICES} {comment} {match} -j {svc}")
        if target.node_port:
            np = f"-p {proto} -m {proto} --dport {target.node_port}"
            nat.append(f"-A {NODEPORTS} {comment} {np} -j {MARK_MASQ}")
            nat.append(f"-A {NODEPORTS} {comment} {np} -j {svc}")
        count = len(target.backends)
        for i, backend in enumerate(target.backends):
            sep = sep_chain(target, backend)
            nat_chains.append(sep)
            stat = probability(i, count)
            pick = f" -m statistic --mode random --probability {stat}" if stat else ""
            nat.append(f"-A {svc} {comment}{pick} -j {sep}")
            nat.append(f"-A {sep} {comment} -s {backend.ip}/32 -j {MARK_MASQ}")  # hairpin: a pod to itself
            nat.append(f"-A {sep} {comment} -p {proto} -m {proto} -j DNAT --to-destination {backend.ip}:{backend.port}")
    nat.append(f"-A {SERVICES} -m comment --comment \"kubernetes service nodeports\" "
               f"-m addrtype --dst-type LOCAL -j {NODEPORTS}")
    live = set(nat_chains)
    stale = sorted(set(stale_nat_chains) - live)
    lines = ["*filter", *(f":{c} - [0:0]" for c in FILTER_FIXED_CHAINS), *filt, "COMMIT",
             "*nat", *(f":{c} - [0:0]" for c in [*nat_chains, *stale]), *nat,
             *(f"-X {c}" for c in stale), "COMMIT", ""]
    return "\n".join(lines)
