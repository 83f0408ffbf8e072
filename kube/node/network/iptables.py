"""The pod network's two iptables chains (netfilter is iptables' job, as in the proxy:
pyroute2 programs links, routes, neighbours and FDB entries only).

KUBENET-NAT (nat, first in POSTROUTING): pod-to-pod inside --cluster-cidr keeps its source
IP (ACCEPT ends the nat table, so Docker's bridge MASQUERADE below never sees it), traffic
from pods to outside the cluster is masqueraded, and what the proxy marked 0x4000 goes on
to the proxy's KUBE-POSTROUTING (hairpin), as flannel's FLANNEL-POSTRTG does.
KUBENET-FORWARD (filter, first in DOCKER-USER, or FORWARD without Docker): accept
forwarding from and to the cluster CIDR, so Docker's DOCKER-ISOLATION chains, which drop
traffic between bridges of one host, and its FORWARD DROP policy let pod traffic through.

The chains are not named KUBE-*: the proxy's cleanup removes every KUBE-* chain. Docker
inserts its MASQUERADE at the top of POSTROUTING whenever it makes a network, so `ensure`
also puts our jump back in first place when it is not."""

from __future__ import annotations

import subprocess

NAT_CHAIN = "KUBENET-NAT"
FORWARD_CHAIN = "KUBENET-FORWARD"
MASQ_MARK = "0x4000"  # the proxy's KUBE-MARK-MASQ bit
COMMENT = ("-m", "comment", "--comment", "kube pod network")


class IptablesError(RuntimeError):
    """iptables refused our rules; the message is iptables' own."""


class Iptables:
    def __init__(self, netns: str | None = None) -> None:
        self.prefix = ["nsenter", f"--net=/run/netns/{netns}"] if netns else []

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([*self.prefix, *args], input=stdin, capture_output=True, text=True, timeout=30)
        except FileNotFoundError:
            raise IptablesError(f"{args[0]} not found (install iptables)") from None

    def rules(self, table: str, chain: str) -> list[str] | None:
        """`-S` of one chain (None when it does not exist)."""
        out = self.run("iptables", "-w", "-t", table, "-S", chain)
        return out.stdout.splitlines() if out.returncode == 0 else None

    def _first(self, table: str, chain: str, target: str) -> None:
        """Our jump exactly once, in first place."""
        jump = [*COMMENT, "-j", target]
        rules = [r for r in (self.rules(table, chain) or []) if r.startswith(f"-A {chain} ")]
        ours = [r for r in rules if r.endswith(f"-j {target}")]
        if rules and rules[0].endswith(f"-j {target}") and len(ours) == 1:
            return
        for _ in ours:
            self.run("iptables", "-w", "-t", table, "-D", chain, *jump)
        done = self.run("iptables", "-w", "-t", table, "-I", chain, "1", *jump)
        if done.returncode != 0:
            raise IptablesError(f"iptables -t {table} -I {chain}: {done.stderr.strip()}")

    def forward_hook(self) -> str:
        return "DOCKER-USER" if self.rules("filter", "DOCKER-USER") is not None else "FORWARD"

    def ensure(self, cluster_cidr: str) -> None:
        """Both chains with their rules (one atomic restore), and the jumps to them first."""
        c = cluster_cidr
        comment = '-m comment --comment "kube pod network"'
        payload = "\n".join([
            "*nat", f":{NAT_CHAIN} - [0:0]",
            f"-A {NAT_CHAIN} -m mark --mark {MASQ_MARK}/{MASQ_MARK} {comment} -j RETURN",
            f"-A {NAT_CHAIN} -s {c} -d {c} {comment} -j ACCEPT",
            f"-A {NAT_CHAIN} -s {c} ! -d 224.0.0.0/4 {comment} -j MASQUERADE",
            "COMMIT", "*filter", f":{FORWARD_CHAIN} - [0:0]",
            f"-A {FORWARD_CHAIN} -s {c} {comment} -j ACCEPT",
            f"-A {FORWARD_CHAIN} -d {c} {comment} -j ACCEPT",
            "COMMIT", ""])
        done = self.run("iptables-restore", "-w", "--noflush", stdin=payload)  # also repairs edited rules
        if done.returncode != 0:
            raise IptablesError(f"iptables-restore: {done.stderr.strip()}")
        self._first("nat", "POSTROUTING", NAT_CHAIN)
        self._first("filter", self.forward_hook(), FORWARD_CHAIN)

    def remove(self) -> list[str]:
        """Every jump to our chains and the chains themselves; returns what was removed."""
        removed = []
        for table, chain, target in (("nat", "POSTROUTING", NAT_CHAIN), ("filter", "DOCKER-USER", FORWARD_CHAIN),
                                     ("filter", "FORWARD", FORWARD_CHAIN)):
            for rule in self.rules(table, chain) or []:
                if rule.startswith(f"-A {chain} ") and rule.endswith(f"-j {target}"):
                    self.run("iptables", "-w", "-t", table, "-D", chain, *COMMENT, "-j", target)
                    removed.append(f"{table}/{chain} -> {target}")
        for table, chain in (("nat", NAT_CHAIN), ("filter", FORWARD_CHAIN)):
            if self.rules(table, chain) is not None:
                self.run("iptables", "-w", "-t", table, "-F", chain)
                if self.run("iptables", "-w", "-t", table, "-X", chain).returncode == 0:
                    removed.append(f"{table}/{chain}")
        return removed
