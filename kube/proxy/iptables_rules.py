"""Render the desired `ServiceTarget`s as one `iptables-restore --noflush` payload.

The chain layout is kube-proxy's, so operators can read it: in the nat table
KUBE-SERVICES (jumped from PREROUTING and OUTPUT) matches ClusterIP:port and hands
node-local destinations to KUBE-NODEPORTS; each service port has a KUBE-SVC-* chain that
picks one KUBE-SEP-* (DNAT to podIP:port) with `-m statistic --probability 1/n`, 1/(n-1),
..., 1 so the choice is uniform; KUBE-MARK-MASQ / KUBE-POSTROUTING masquerade what
needs it. Every chain we own starts with KUBE-, which is what makes `--cleanup` exact.

As kube-proxy (pkg/proxy/iptables/proxier.go), per service port:
- ClusterIP traffic enters the internal policy chain: KUBE-SVC-* (every endpoint) or, with
  internalTrafficPolicy Local, KUBE-SVL-* (this node's endpoints); that chain first marks
  for masquerade what comes from outside --cluster-cidr (the node itself, other hosts).
- NodePort traffic (to any local address: `addrtype --dst-type LOCAL`) enters KUBE-EXT-*:
  with externalTrafficPolicy Cluster it is masqueraded and goes to KUBE-SVC-*; with Local
  pods and the node itself are short-circuited to KUBE-SVC-* and everything else goes to
  KUBE-SVL-* unmasqueraded, so the backend sees the client's source IP.
- No endpoint at all: REJECT with ICMP port unreachable (the client fails at once; TCP
  sees ECONNREFUSED). Not a TCP reset: for a packet that crossed a bridge with
  br_netfilter on (Docker's pod bridges) the kernel sends the reset straight out of the
  bridge port, past NAT, so it leaves from the REDIRECTed address and the client ignores it;
  an ICMP error goes through the output path and conntrack un-NATs it. REJECT is only allowed in the filter table, which sees a packet after
  routing, and a node may route the service range nowhere (a safety `blackhole
  10.96.0.0/12`): a pod's packet would be discarded before FORWARD and the client would
  hang. So nat KUBE-SERVICES REDIRECTs such a port's traffic to the node itself (PREROUTING
  and OUTPUT, before any routing), and filter KUBE-SERVICES, jumped from INPUT and OUTPUT
  too, REJECTs it by its original destination (`--ctorigdst`); the reply is un-NATed by
  conntrack, so the client sees it come from the ClusterIP. (REDIRECT needs an IPv4
  address on the interface the packet came in by, as every pod bridge has. The node's own
  sockets still get EINVAL from a blackhole route at connect(), before netfilter.)
- Endpoints, but none on this node for a Local policy: DROP, as kube-proxy.
- sessionAffinity ClientIP: each KUBE-SEP-* records the client in its own `recent` list and
  the policy chain first sends a client seen within timeoutSeconds back to the same one.
- A pod reaching itself through its Service (hairpin) is masqueraded in its KUBE-SEP-*.
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
PER_SERVICE_PREFIXES = ("KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-SEP-")  # what a sync may delete
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
    Jump("filter", "FORWARD", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                               "kubernetes externally-visible service portals", "-j", FILTER_NODEPORTS)),
    Jump("filter", "FORWARD", ("-m", "comment", "--comment", "kubernetes forwarding rules", "-j", FILTER_FORWARD)),
    Jump("filter", "FORWARD", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                               "kubernetes service portals", "-j", FILTER_SERVICES)),
    Jump("filter", "OUTPUT", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                              "kubernetes service portals", "-j", FILTER_SERVICES)),
    Jump("filter", "INPUT", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                             "kubernetes service portals", "-j", FILTER_SERVICES)),
)


def _hash(text: str) -> str:
    """16 base32 characters of sha256, as kube-proxy names its chains (28 chars max)."""
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def svc_chain(target: ServiceTarget) -> str:
    """The cluster policy chain (every endpoint)."""
    return "KUBE-SVC-" + _hash(target.key + target.protocol.lower())


def svl_chain(target: ServiceTarget) -> str:
    """The local policy chain (this node's endpoints)."""
    return "KUBE-SVL-" + _hash(target.key + target.protocol.lower())


def ext_chain(target: ServiceTarget) -> str:
    """Where NodePort traffic enters: masquerade or short-circuit, then a policy chain."""
    return "KUBE-EXT-" + _hash(target.key + target.protocol.lower())


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


def _policy_chain(chain: str, target: ServiceTarget, backends: tuple[Backend, ...], comment: str) -> list[str]:
    """Affinity checks (when sticky), then the uniform statistic choice over `backends`."""
    rules = []
    if target.affinity_seconds:
        rules += [f"-A {chain} {comment} -m recent --name {sep_chain(target, b)} --rcheck "
                  f"--seconds {target.affinity_seconds} --reap -j {sep_chain(target, b)}" for b in backends]
    for i, backend in enumerate(backends):
        stat = probability(i, len(backends))
        pick = f" -m statistic --mode random --probability {stat}" if stat else ""
        rules.append(f"-A {chain} {comment}{pick} -j {sep_chain(target, backend)}")
    return rules


def _sep_rules(target: ServiceTarget, backend: Backend, comment: str) -> list[str]:
    sep, proto = sep_chain(target, backend), target.protocol.lower()
    sticky = f" -m recent --name {sep} --set" if target.affinity_seconds else ""
    return [f"-A {sep} {comment} -s {backend.ip}/32 -j {MARK_MASQ}",  # hairpin: a pod to itself
            f"-A {sep} {comment}{sticky} -p {proto} -m {proto} -j DNAT --to-destination {backend.ip}:{backend.port}"]


def _filter_rules(target: ServiceTarget, internal: bool, external: bool) -> list[str]:
    """REJECT without any endpoint (by original destination: nat REDIRECTed it to the node);
    DROP what a Local policy has no local endpoint for."""
    proto, key = target.protocol.lower(), target.key
    verdict, why = ("REJECT --reject-with icmp-port-unreachable", "has no endpoints") if not target.backends \
        else ("DROP", "has no local endpoints")
    rules = []
    if not target.backends:
        rules.append(f"-A {FILTER_SERVICES} -p {proto} -m conntrack --ctorigdst {target.cluster_ip}/32 "
                     f"--ctorigdstport {target.port} -m comment --comment \"{key} {why}\" -j {verdict}")
    elif not internal:
        rules.append(f"-A {FILTER_SERVICES} -d {target.cluster_ip}/32 -p {proto} -m {proto} --dport {target.port} "
                     f"-m comment --comment \"{key} {why}\" -j {verdict}")
    if target.node_port and not external:
        rej = (f"-p {proto} -m addrtype --dst-type LOCAL -m {proto} --dport {target.node_port} "
               f"-m comment --comment \"{key} {why}\" -j {verdict}")
        rules.append(f"-A {FILTER_NODEPORTS} {rej}")
        if not target.backends:
            rules.append(f"-A {FILTER_SERVICES} {rej}")
    return rules


def render(targets: Iterable[ServiceTarget], *, cluster_cidr: str | None,
           stale_nat_chains: Iterable[str] = (), unchanged: frozenset[ServiceTarget] = frozenset()) -> str:
    """The whole iptables-restore --noflush payload for nat and filter.

    Declaring a chain flushes it, so every chain we own is rewritten in one atomic
    commit; `stale_nat_chains` (per-service chains of services that are gone) are
    flushed and deleted in the same commit. The per-service chains of `unchanged` targets
    (exactly as the last commit wrote them) are left out and so left alone, as kube-proxy's
    partial syncs do: the fixed chains are still rewritten whole, so the payload of one
    change stays small however many Services there are.
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
    from_outside = f" ! -s {cluster_cidr}" if cluster_cidr else ""  # none: masquerade all (--masquerade-all)
    kept: set[str] = set()
    fixed = (f"-A {SERVICES} ", f"-A {NODEPORTS} ")
    for target in targets:
        chains_at, rules_at = len(nat_chains), len(nat)
        proto = target.protocol.lower()
        comment = " ".join(_comment(target))
        internal = target.local_backends if target.internal_local else target.backends
        external = target.local_backends if target.external_local else target.backends
        filt += _filter_rules(target, bool(internal), bool(external))
        match = f"-d {target.cluster_ip}/32 -p {proto} -m {proto} --dport {target.port}"
        if not target.backends:  # to the node, whatever routes say: filter REJECTs it there
            nat.append(f"-A {SERVICES} {comment} {match} -j REDIRECT")
            continue
        svc, svl, ext = svc_chain(target), svl_chain(target), ext_chain(target)
        uses_svl = bool(target.local_backends) and (
            target.internal_local or (target.node_port is not None and target.external_local))
        entry = (svl if target.internal_local else svc) if internal else None  # where ClusterIP traffic goes
        for chain, backends, wanted in ((svc, target.backends, True), (svl, target.local_backends, uses_svl)):
            if not wanted:
                continue
            nat_chains.append(chain)
            if chain == entry:  # first in its chain: ClusterIP traffic from outside the pods is masqueraded
                nat.append(f"-A {chain} {comment} {match}{from_outside} -j {MARK_MASQ}")
            nat += _policy_chain(chain, target, backends, comment)
        if entry:
            nat.append(f"-A {SERVICES} {comment} {match} -j {entry}")
        if target.node_port:
            nat_chains.append(ext)
            if not target.external_local:
                nat.append(f"-A {ext} {comment} -j {MARK_MASQ}")
                nat.append(f"-A {ext} {comment} -j {svc}")
            else:  # keep the client's source IP; pods and the node itself may use any endpoint
                if cluster_cidr:
                    nat.append(f"-A {ext} {comment} -s {cluster_cidr} -j {svc}")
                nat.append(f"-A {ext} {comment} -m addrtype --src-type LOCAL -j {MARK_MASQ}")
                nat.append(f"-A {ext} {comment} -m addrtype --src-type LOCAL -j {svc}")
                if external:
                    nat.append(f"-A {ext} {comment} -j {svl}")
            nat.append(f"-A {NODEPORTS} {comment} -p {proto} -m {proto} --dport {target.node_port} -j {ext}")
        for backend in target.backends:
            nat_chains.append(sep_chain(target, backend))
            nat += _sep_rules(target, backend, comment)
        if target in unchanged:
            kept.update(nat_chains[chains_at:])
            del nat_chains[chains_at:]
            nat[rules_at:] = [rule for rule in nat[rules_at:] if rule.startswith(fixed)]
    nat.append(f"-A {SERVICES} -m comment --comment \"kubernetes service nodeports\" "
               f"-m addrtype --dst-type LOCAL -j {NODEPORTS}")
    live = set(nat_chains) | kept
    stale = sorted(set(stale_nat_chains) - live)
    lines = ["*filter", *(f":{c} - [0:0]" for c in FILTER_FIXED_CHAINS), *filt, "COMMIT",
             "*nat", *(f":{c} - [0:0]" for c in [*nat_chains, *stale]), *nat,
             *(f"-X {c}" for c in stale), "COMMIT", ""]
    return "\n".join(lines)
