"""The playbook tests' cluster: the hosts, their inventory (kubespray's groups, written
from a dict the tests may change and rewrite) and the arguments every playbook run gets.

One cluster for the whole session: test_site builds it (and resets and rebuilds it);
test_upgrade scales it by one minion and upgrades it. PLAYBOOK_MASTERS masters (etcd on
the largest odd number of them, so 2 masters have 1 etcd member: two API servers are the
fewest that can keep answering while one restarts) and PLAYBOOK_MINIONS minions, one zone
each: by default the issue's 3 + 3 (CI runs them; PLAYBOOK_MASTERS=2 PLAYBOOK_MINIONS=1 is
the quicker 2 + 1 for a developer's loop)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import yaml

from hack.hosts.host import Host
from tests.fixtures.hosts import STAMPED_VERSION
from tests.playbooks.ansible_run import playbook

MASTERS = int(os.environ.get("PLAYBOOK_MASTERS", "3"))
ETCD = MASTERS if MASTERS % 2 else MASTERS - 1
MINIONS = int(os.environ.get("PLAYBOOK_MINIONS", "3"))
ZONE = "topology.kubernetes.io/zone"
HOSTS_PREFIX, HOSTS_SUBNET = "kube-pbtest", "172.31.243.0/24"
UNUSED_IP = "172.31.243.250"  # in the hosts' subnet, no host there
# The upgrade's N+1: the kube_wheel fixture's version with its last part plus one.
NEXT_VERSION = ".".join([*STAMPED_VERSION.split(".")[:-1], str(int(STAMPED_VERSION.split(".")[-1]) + 1)])
SSH_ARGS = ("-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes "
            "-o LogLevel=ERROR -o ConnectTimeout=30")


def hostvars(h: Host) -> dict:
    return {"ansible_host": h.ip, "ansible_user": h.user, "ansible_ssh_private_key_file": str(h.key),
            "ansible_ssh_common_args": SSH_ARGS, "ansible_python_interpreter": "/usr/bin/python3"}


def minion_labels(i: int) -> dict[str, str]:
    return {ZONE: f"zone-{'abc'[i % 3]}", "tier": f"t{i}"}


class Fleet:
    """The hosts, the inventory and the playbook arguments of the session's cluster."""

    def __init__(self, hosts: list[Host], directory: Path, extra: list[str]) -> None:
        self.hosts, self.extra = list(hosts), extra
        self.masters, self.minions = self.hosts[:MASTERS], self.hosts[MASTERS:]
        self.etcd = self.hosts[:ETCD]
        self.inventory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.kubeconfig = directory / "artifacts" / "admin.conf"
        self.timings: dict[str, float] = {}
        allhosts = {h.name: hostvars(h) for h in self.hosts}
        for i, h in enumerate(self.minions):
            allhosts[h.name]["node_labels"] = minion_labels(i)
        self.inv = {"all": {"hosts": allhosts, "children": {
            "kube_control_plane": {"hosts": {h.name: None for h in self.masters}},
            "etcd": {"hosts": {h.name: None for h in self.etcd}},
            "kube_node": {"hosts": {h.name: None for h in self.minions}}}}}
        self.write()

    def write(self) -> None:
        (self.inventory / "hosts.yml").write_text(yaml.safe_dump(self.inv, sort_keys=False))

    def add_minion(self, host: Host) -> None:
        self.inv["all"]["hosts"][host.name] = {**hostvars(host), "node_labels": minion_labels(len(self.minions))}
        self.inv["all"]["children"]["kube_node"]["hosts"][host.name] = None
        self.hosts.append(host)
        self.minions.append(host)
        self.write()

    def run(self, name: str, *args: str, label: str = "", extra: list[str] | None = None):
        t0 = time.monotonic()
        # the hosts file, as operators pass it: `-i DIR` would read DIR/artifacts (admin.conf, the
        # etcd snapshots) as inventory sources too
        proc = playbook(self.inventory / "hosts.yml", name, *(self.extra if extra is None else extra), *args,
                        timeout=1800)
        self.timings[label or name] = time.monotonic() - t0
        # beside the inventory, not in it: ansible reads every file in an inventory directory
        (self.inventory.parent / "playbook-timings.json").write_text(json.dumps(self.timings, indent=1))
        logs = self.inventory.parent / "playbook-logs"  # whole, for a failure the assertion's tail cuts off
        logs.mkdir(exist_ok=True)
        (logs / f"{len(self.timings):02d} {(label or name).replace('/', '_')}.log").write_text(proc.stdout + proc.stderr)
        return proc


def assert_ok(proc) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
