"""`.hosts/hosts.yml` (an Ansible inventory) and `.hosts/ssh_config`.

Every host carries its own connection variables, so any inventory (masters, minions,
etcd groups) can be built later from the hosts alone. Written as plain YAML text:
these tools use only the standard library, so they run before any venv exists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from hack.hosts.host import Host

# the hosts are remade often and get new host keys each time: don't record them
SSH_OPTIONS = ("-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
               "-o IdentitiesOnly=yes -o LogLevel=ERROR -o ConnectTimeout=10")


def host_vars(host: Host) -> dict[str, str]:
    return {
        "ansible_host": host.ip,
        "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key),
        "ansible_ssh_common_args": SSH_OPTIONS,
        "ansible_python_interpreter": "/usr/bin/python3",
    }


def inventory_text(hosts: Iterable[Host]) -> str:
    lines = ["# written by hack/hosts/hosts.py up: every host with its own connection variables",
             "all:", "  hosts:"]
    for host in hosts:
        lines.append(f"    {host.name}:")
        # JSON strings are valid YAML scalars, quoting included
        lines += [f"      {k}: {json.dumps(v)}" for k, v in host_vars(host).items()]
    return "\n".join(lines) + "\n"


def write_inventory(path: Path, hosts: Iterable[Host]) -> None:
    path.write_text(inventory_text(hosts))


def write_ssh_config(path: Path, hosts: Iterable[Host]) -> None:
    """`ssh -F .hosts/ssh_config kube-host-1` reaches host 1 as the inventory does."""
    out = []
    for host in hosts:
        out += [f"Host {host.name}", f"  HostName {host.ip}", f"  User {host.user}",
                f"  IdentityFile {host.key}", "  IdentitiesOnly yes", "  StrictHostKeyChecking no",
                "  UserKnownHostsFile /dev/null", "  LogLevel ERROR", "  ConnectTimeout 10", ""]
    path.write_text("\n".join(out))
