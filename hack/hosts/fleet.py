"""N systemd hosts as Docker containers on one user-defined network, with fixed
addresses, Docker inside each, SSH keys and an Ansible inventory.

Everything a fleet makes carries its prefix in its name (containers `<prefix>-<i>`,
volumes `<prefix>-<i>-docker`, network `<prefix>-net`) and the label
`kube.hosts.fleet=<prefix>`, so `down` finds and removes all of it by name, even after
a crash. docs/hosts.md says why each `docker run` option is there.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from hack.hosts.host import Host
from hack.hosts.image import BLACKHOLES, USER
from hack.hosts.inventory import SSH_OPTIONS, write_inventory, write_ssh_config

LABEL = "kube.hosts.fleet"
# /proc/sys is read-only inside a host: what the pod network and the proxy set, set here
SYSCTLS = (
    "net.ipv4.ip_forward=1",
    "net.ipv4.conf.all.forwarding=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    "net.ipv4.conf.all.route_localnet=1",
    "net.ipv6.conf.all.disable_ipv6=1",
)


class FleetError(RuntimeError):
    """A one-line reason the hosts could not be made."""


def docker(*argv: str, check: bool = True, timeout: float = 120, input: str | None = None):
    proc = subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise FleetError(f"docker {argv[0]} {argv[1] if len(argv) > 1 else ''} failed: "
                         f"{proc.stderr.strip()[-300:]}")
    return proc


@dataclass
class Fleet:
    prefix: str = "kube-host"
    subnet: str = "172.31.240.0/24"
    state_dir: Path = Path(".hosts")

    @property
    def network(self) -> str:
        return f"{self.prefix}-net"

    def name(self, i: int) -> str:
        return f"{self.prefix}-{i}"

    def ip(self, i: int) -> str:
        return str(ipaddress.ip_network(self.subnet).network_address + 10 + i)

    @property
    def key(self) -> Path:
        return self.state_dir.resolve() / "id_ed25519"

    # --- up ---

    def up(self, count: int, image: str, log=print) -> list[Host]:
        """Exactly `count` running hosts (1..count); extra ones are removed, running ones kept."""
        if count < 1 or count > 200:
            raise FleetError(f"--count must be between 1 and 200, not {count}")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._ensure_key()
        self._ensure_network()
        for extra in self._containers():
            idx = extra.rsplit("-", 1)[-1]
            if not idx.isdigit() or int(idx) > count:
                self._remove_host(extra)
        hosts = [Host(self.name(i), self.ip(i), USER, self.key) for i in range(1, count + 1)]
        for i, host in enumerate(hosts, 1):
            if not self._running(host.name):
                self._remove_host(host.name)
                self._run_host(i, image)
                log(f"  {host.name:<16} started ({host.ip})")
        for host in hosts:
            self._ready(host)
        write_inventory(self.state_dir / "hosts.yml", hosts)
        write_ssh_config(self.state_dir / "ssh_config", hosts)
        return hosts

    def _ensure_key(self) -> None:
        if not self.key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{self.prefix}@kube",
                            "-f", str(self.key)], check=True, capture_output=True)

    def _ensure_network(self) -> None:
        if docker("network", "inspect", self.network, check=False).returncode == 0:
            return
        docker("network", "create", "--driver", "bridge", "--subnet", self.subnet,
               "--label", f"{LABEL}={self.prefix}", self.network)

    def _run_host(self, i: int, image: str) -> None:
        name = self.name(i)
        volume = f"{name}-docker"
        docker("volume", "create", "--label", f"{LABEL}={self.prefix}", volume)
        argv = [
            "run", "-d", "--name", name, "--hostname", name, "--label", f"{LABEL}={self.prefix}",
            "--network", self.network, "--ip", self.ip(i),
            # --privileged fails here (no CAP_SYS_RESOURCE): every other capability instead
            "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
            "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
            # systemd (and the inner dockerd) manage cgroups; cgroup v1 needs the host's tree
            "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
            "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp",
            # overlay2 on overlay fails: the inner Docker's data on a real volume
            "-v", f"{volume}:/var/lib/docker",
            "--stop-signal", "SIGRTMIN+3",
        ]
        for sysctl in SYSCTLS:
            argv += ["--sysctl", sysctl]
        docker(*argv, image)

    def _ready(self, host: Host, timeout: float = 120) -> None:
        """systemd up, the blackhole routes in, the key installed, sshd answering."""
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = host.exec("systemctl", "is-system-running", check=False).stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(0.5)
        else:
            raise FleetError(f"{host.name}: systemd did not come up (state {state or 'unknown'!r})")
        for cidr in BLACKHOLES:  # the unit does it at boot; make sure before anything runs
            host.exec("ip", "route", "replace", "blackhole", cidr)
        pub = self.key.with_suffix(".pub").read_text()
        host.exec("sh", "-c", f"install -d -m 700 -o {USER} -g {USER} /home/{USER}/.ssh && "
                  f"cat > /home/{USER}/.ssh/authorized_keys && chown {USER}: /home/{USER}/.ssh/authorized_keys "
                  f"&& chmod 600 /home/{USER}/.ssh/authorized_keys", input=pub)
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((host.ip, 22), timeout=2) as s:
                    if s.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise FleetError(f"{host.name}: sshd did not answer on {host.ip}:22")

    # --- what exists, and down ---

    def _containers(self) -> list[str]:
        out = docker("ps", "-a", "--filter", f"label={LABEL}={self.prefix}", "--format", "{{.Names}}").stdout
        return sorted(n for n in out.split() if n)

    def _running(self, name: str) -> bool:
        proc = docker("inspect", "-f", "{{.State.Running}}", name, check=False)
        return proc.returncode == 0 and proc.stdout.strip() == "true"

    def hosts(self) -> list[Host]:
        """The hosts that exist now, by their fixed addresses."""
        found = []
        for name in self._containers():
            data = json.loads(docker("inspect", name).stdout)[0]
            ip = data["NetworkSettings"]["Networks"].get(self.network, {}).get("IPAddress", "")
            found.append(Host(name, ip, USER, self.key))
        return found

    def _remove_host(self, name: str) -> None:
        docker("rm", "-f", "-v", name, check=False)
        docker("volume", "rm", "-f", f"{name}-docker", check=False)

    def leftovers(self) -> dict[str, list[str]]:
        """Everything carrying this fleet's label or name that still exists."""
        def names(kind: str, fmt: str) -> list[str]:
            args = [kind, "ls"] if kind != "ps" else ["ps", "-a"]
            out = docker(*args, "--filter", f"label={LABEL}={self.prefix}", "--format", fmt).stdout.split()
            byname = docker(*args, "--filter", f"name={self.prefix}-", "--format", fmt).stdout.split()
            return sorted({n for n in out + byname if n.startswith(f"{self.prefix}-")})
        return {"containers": names("ps", "{{.Names}}"), "volumes": names("volume", "{{.Name}}"),
                "networks": names("network", "{{.Name}}")}

    def down(self) -> list[str]:
        """Remove the containers, their volumes and the network; harmless when nothing is there."""
        left = self.leftovers()
        for name in left["containers"]:
            self._remove_host(name)
        for volume in left["volumes"]:
            docker("volume", "rm", "-f", volume, check=False)
        for network in left["networks"]:
            docker("network", "rm", network, check=False)
        for name in ("hosts.yml", "ssh_config"):
            (self.state_dir / name).unlink(missing_ok=True)
        return left["containers"] + left["volumes"] + left["networks"]


__all__ = ["Fleet", "FleetError", "Host", "SSH_OPTIONS"]
