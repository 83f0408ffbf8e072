"""Apply rendered rules to the kernel: jumps from the built-in chains, then one atomic
`iptables-restore --noflush`; and `cleanup()`, which removes exactly what we added (service_routes' link too).

Only chains named KUBE-* and the jumps listed in `iptables_rules.JUMPS` are ever
touched; the built-in chains' other rules and the filter table's policies are not.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from kube.proxy.iptables_rules import (
    FILTER_FIXED_CHAINS,
    JUMPS,
    NAT_FIXED_CHAINS,
    PER_SERVICE_PREFIXES,
    Jump,
    render,
)
from kube.proxy.service_targets import ServiceTarget

log = logging.getLogger("kube.proxy.iptables")

ROUTE_LOCALNET = Path("/proc/sys/net/ipv4/conf/all/route_localnet")


class IptablesError(RuntimeError):
    """iptables is missing or refused our rules; the message is iptables' own."""


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise IptablesError(f"{args[0]} not found (install iptables or use --mode userspace)") from None


def iptables_usable() -> str | None:
    """None when iptables can be used here, else why not (one line)."""
    if shutil.which("iptables") is None or shutil.which("iptables-restore") is None:
        return "iptables and iptables-restore are not installed"
    probe = _run(["iptables", "-w", "-t", "nat", "-S", "OUTPUT"])
    if probe.returncode != 0:
        return (probe.stderr.strip().splitlines() or ["iptables failed"])[-1]
    return None


def enable_route_localnet() -> bool:
    """NodePort on 127.0.0.1 needs loopback DNAT; False (and a warning) where /proc/sys is read-only."""
    try:
        if ROUTE_LOCALNET.read_text().strip() != "1":
            ROUTE_LOCALNET.write_text("1\n")
        return True
    except OSError as exc:
        log.warning("cannot set route_localnet (%s): NodePorts answer on non-loopback addresses only", exc)
        return False


def existing_chains(table: str) -> set[str]:
    """The KUBE-* chains present in `table`."""
    out = _run(["iptables-save", "-t", table])
    if out.returncode != 0:
        return set()
    return {line[1:].split()[0] for line in out.stdout.splitlines() if line.startswith(":KUBE-")}


def _jump(action: str, jump: Jump) -> subprocess.CompletedProcess[str]:
    return _run(["iptables", "-w", "-t", jump.table, action, jump.chain, *jump.args])


def ensure_jumps() -> None:
    """Create our fixed chains and insert each jump once (checked with -C first)."""
    for table, chains in (("nat", NAT_FIXED_CHAINS), ("filter", FILTER_FIXED_CHAINS)):
        have = existing_chains(table)
        for chain in chains:
            if chain not in have:
                made = _run(["iptables", "-w", "-t", table, "-N", chain])
                if made.returncode != 0 and "exists" not in made.stderr:
                    raise IptablesError(made.stderr.strip())
    for jump in JUMPS:
        if _jump("-C", jump).returncode != 0:
            added = _jump("-I", jump)
            if added.returncode != 0:
                raise IptablesError(added.stderr.strip())


def apply(targets: Iterable[ServiceTarget], *, cluster_cidr: str | None,
          known_chains: set[str] | None = None, unchanged: frozenset[ServiceTarget] = frozenset()) -> str:
    """Make the kernel match `targets` in one commit; returns the payload for logs/tests.

    A full sync (`known_chains` None) first checks our jumps from the built-in chains and
    reads which per-service chains exist; a partial one trusts `known_chains` (the chains
    the last commit left, see `chains_after`), rewrites only the chains of targets not in
    `unchanged`, and is a single iptables-restore, which is what keeps a change's latency
    low (kube-proxy's partial syncs do the same).
    """
    if known_chains is None:
        ensure_jumps()
        known_chains = existing_chains("nat")
        unchanged = frozenset()
    stale = {c for c in known_chains if c.startswith(PER_SERVICE_PREFIXES)}
    payload = render(targets, cluster_cidr=cluster_cidr, stale_nat_chains=stale, unchanged=unchanged)
    done = _run(["iptables-restore", "-w", "--noflush"], stdin=payload)
    if done.returncode != 0:
        raise IptablesError(f"iptables-restore: {done.stderr.strip()}")
    return payload


def chains_after(payload: str, known: set[str]) -> set[str]:
    """The nat chains in place once `payload` is committed over `known`."""
    nat = payload.split("*nat", 1)[-1]
    declared = {line[1:].split()[0] for line in nat.splitlines() if line.startswith(":")}
    return (known | declared) - {line.split()[1] for line in nat.splitlines() if line.startswith("-X ")}


def cleanup() -> list[str]:
    """Remove every jump and KUBE-* chain and the service-range link we made; returns what was removed."""
    from kube.proxy import service_routes

    removed: list[str] = []
    if service_routes.remove():
        removed.append(f"link/{service_routes.LINK}")
    for jump in JUMPS:
        while _jump("-C", jump).returncode == 0:
            if _jump("-D", jump).returncode != 0:
                break
            removed.append(f"{jump.table}/{jump.chain} -> {jump.args[-1]}")
    for table in ("nat", "filter"):
        chains = sorted(existing_chains(table))
        for chain in chains:  # flush all first: chains may jump to each other
            _run(["iptables", "-w", "-t", table, "-F", chain])
        for chain in chains:
            if _run(["iptables", "-w", "-t", table, "-X", chain]).returncode == 0:
                removed.append(f"{table}/{chain}")
    return removed
