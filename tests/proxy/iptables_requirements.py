"""Root + iptables for the iptables-mode tests: fail under CI=true (CI runs as root), skip otherwise."""

from __future__ import annotations

import os
import subprocess

from tests.fixtures.requirements import missing


def require_iptables() -> None:
    if os.geteuid() != 0:
        missing("root (for iptables)")
    from kube.proxy.iptables_executor import iptables_usable

    why = iptables_usable()
    if why is not None:
        missing(f"iptables ({why})")


def kube_chains() -> list[str]:
    """Every KUBE-* chain in nat and filter right now."""
    out = subprocess.run(["iptables-save"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if "KUBE-" in line]
