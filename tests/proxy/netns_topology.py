"""A node, a pod and an outside client, each its own network namespace, for the iptables
proxy's traffic tests; nothing touches the host's tables or links.

    client ns  192.168.240.254 --veth-- 192.168.240.1  node ns  10.244.1.1 --veth-- pod ns 10.244.1.2
                                        (+ 192.168.241.1)         10.244.1.1 --veth-- pod ns 10.244.1.3
                                                                  10.244.1.1 --veth-- pod ns 10.244.1.4

The node routes each pod's /32 to its veth (calico-style, no bridge) and forwards between
its links, as a node does between its uplink and its pods; 192.168.241.1 is a second node
address. Each pod namespace runs netns_echo.py (TCP and UDP on POD_PORT). Everything is
removed by name when the fixture ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kube.bench import netns
from tests.proxy.iptables_requirements import require_iptables

POD_IPS = ("10.244.1.2", "10.244.1.3", "10.244.1.4")
POD_PORT = 8080
CLIENT_IP = "192.168.240.254"
NODE_IPS = (netns.NODE_IP, "10.244.1.1", "192.168.241.1")
CLUSTER_CIDR = "10.244.0.0/16"


@dataclass(frozen=True)
class Topology:
    node: str
    pods: tuple[str, ...]  # one namespace per POD_IPS entry
    client: str

    @property
    def pod(self) -> str:
        """The first pod (POD_IPS[0])."""
        return self.pods[0]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def topology() -> Iterator[Topology]:
    require_iptables()
    tag = f"{os.getpid() % 100000}"
    topo = Topology(f"kpx-n{tag}", tuple(f"kpx-p{i}-{tag}" for i in range(len(POD_IPS))), f"kpx-c{tag}")
    servers: list[subprocess.Popen[str]] = []
    try:
        netns.create(topo.node)
        for ns in (*topo.pods, topo.client):
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", topo.node, "link", "set", "kpx-peer", "netns", topo.client)
        _ip("-n", topo.client, "addr", "add", f"{CLIENT_IP}/24", "dev", "kpx-peer")
        _ip("-n", topo.client, "link", "set", "kpx-peer", "up")
        _ip("-n", topo.client, "route", "add", "default", "via", netns.NODE_IP)
        _ip("-n", topo.node, "addr", "add", "192.168.241.1/32", "dev", "lo")
        for i, (ns, ip) in enumerate(zip(topo.pods, POD_IPS, strict=True)):
            link = f"kpx-pod{i}"
            _ip("-n", topo.node, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("-n", topo.node, "addr", "add", "10.244.1.1/32", "dev", link)
            _ip("-n", topo.node, "link", "set", link, "up")
            _ip("-n", topo.node, "route", "add", f"{ip}/32", "dev", link)
            _ip("-n", ns, "addr", "add", f"{ip}/32", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", ns, "route", "add", "10.244.1.1/32", "dev", "eth0")
            _ip("-n", ns, "route", "add", "default", "via", "10.244.1.1")
        subprocess.run(["ip", "netns", "exec", topo.node, "sysctl", "-qw", "net.ipv4.ip_forward=1"], check=True)
        for ns, ip in zip(topo.pods, POD_IPS, strict=True):
            server = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                                       str(Path(__file__).with_name("netns_echo.py")), str(POD_PORT), ip],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            servers.append(server)
            assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        yield topo
    finally:
        for server in servers:
            server.kill()
            server.wait()
        for ns in (topo.client, *topo.pods, topo.node):
            netns.delete(ns)


def tcp_ask(ns: str, ip: str, port: int, timeout: float = 5.0) -> str:
    """One TCP exchange from namespace `ns`: the echo's answer; raises OSError/TimeoutError."""
    def ask() -> str:
        with socket.create_connection((ip, port), timeout=timeout) as conn:
            return conn.recv(256).decode().strip()
    return netns.run_in(ns, ask)


def udp_ask(ns: str, ip: str, port: int, source_port: int, timeout: float = 3.0) -> str:
    """One datagram from a fixed source port (one conntrack flow) and its answer."""
    def ask() -> str:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("0.0.0.0", source_port))
            sock.settimeout(timeout)
            sock.sendto(b"q", (ip, port))
            return sock.recv(256).decode().strip()
    return netns.run_in(ns, ask)
