"""Two "hosts" as network namespaces on one veth link (192.168.77.0/24), each with a pod
bridge on its podCIDR and one "pod" namespace on it: what the pod network connects, made
with pyroute2 and removed by name (every namespace is kn-<tag>-*)."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
import uuid
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from pyroute2 import NetNS, netns

SERVER = ("import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
          "s.bind(('0.0.0.0',8080));s.listen();print('ready',flush=True)\n"
          "c,a=s.accept();c.sendall(a[0].encode());c.close()")
CLIENT = ("import socket,sys\nc=socket.create_connection((sys.argv[1],8080),timeout=5)\n"
          "print(c.recv(100).decode())")


T = TypeVar("T")


def off_loop(fn: Callable[..., T]) -> Callable[..., T]:
    """Run in a worker thread: pyroute2's synchronous API refuses a thread with a running loop."""
    @wraps(fn)
    def call(*args: Any, **kwargs: Any) -> T:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(fn, *args, **kwargs).result()
    return call


@dataclass
class FakeHost:
    ns: str
    ip: str
    pod_ns: str
    cidr: str

    @property
    def pod_ip(self) -> str:
        return str(ipaddress.ip_network(self.cidr).network_address + 2)


def nsexec(ns: str, *argv: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["nsenter", f"--net=/run/netns/{ns}", *argv], capture_output=True, text=True,
                          timeout=timeout)


def _veth_into(a_ns: str, a: str, b_ns: str, b: str) -> None:
    """A veth pair a<->b with a in namespace a_ns and b in b_ns."""
    tmp = f"t{uuid.uuid4().hex[:8]}"  # `a` may exist in b_ns too
    with NetNS(b_ns) as ipr:
        ipr.link("add", ifname=b, kind="veth", peer=tmp)
        ipr.link("set", index=ipr.link_lookup(ifname=tmp)[0], net_ns_fd=a_ns)
    with NetNS(a_ns) as ipr:
        ipr.link("set", index=ipr.link_lookup(ifname=tmp)[0], ifname=a)


def _add_bridge(ns: str, node: str, cidr: str) -> str:
    """A pod bridge named as docker_network.py names it, holding the podCIDR's gateway."""
    name = f"kube{zlib.crc32(node.encode()):08x}"
    gw = str(ipaddress.ip_network(cidr).network_address + 1)
    with NetNS(ns) as ipr:
        ipr.link("add", ifname=name, kind="bridge")
        idx = ipr.link_lookup(ifname=name)[0]
        ipr.addr("add", index=idx, address=gw, prefixlen=ipaddress.ip_network(cidr).prefixlen)
        ipr.link("set", index=idx, state="up")
    return name


add_bridge = off_loop(_add_bridge)


class Lab:
    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:5]
        self.namespaces: list[str] = []

    def ns(self, what: str) -> str:
        name = f"kn-{self.tag}-{what}"
        netns.create(name)
        self.namespaces.append(name)
        with NetNS(name) as ipr:
            ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")
        return name

    @off_loop
    def hosts(self, count: int = 2, base: int = 1) -> list[FakeHost]:
        """`count` hosts on one L2 segment (a bridge in a "wire" namespace)."""
        wire = self.ns("wire")
        with NetNS(wire) as ipr:
            ipr.link("add", ifname="seg", kind="bridge")
            ipr.link("set", index=ipr.link_lookup(ifname="seg")[0], state="up")
        hosts = []
        for i in range(count):
            h = FakeHost(self.ns(f"h{i}"), f"192.168.77.{i + 1}", "", f"10.244.{base + i}.0/24")
            _veth_into(h.ns, "eth0", wire, f"p{i}")
            with NetNS(wire) as ipr:
                ipr.link("set", index=ipr.link_lookup(ifname=f"p{i}")[0], master=ipr.link_lookup(ifname="seg")[0],
                         state="up")
            with NetNS(h.ns) as ipr:
                idx = ipr.link_lookup(ifname="eth0")[0]
                ipr.addr("add", index=idx, address=h.ip, prefixlen=24)
                ipr.link("set", index=idx, state="up", mtu=1500)
                ipr.route("add", dst="0.0.0.0/0", gateway="192.168.77.254")
            hosts.append(h)
        return hosts

    @off_loop
    def pod(self, host: FakeHost, node: str) -> None:
        """The host's pod bridge and one pod namespace on it at <podCIDR>.2."""
        bridge = _add_bridge(host.ns, node, host.cidr)
        host.pod_ns = self.ns(f"pod-{node}")
        _veth_into(host.pod_ns, "eth0", host.ns, f"v{self.tag}")
        with NetNS(host.ns) as ipr:
            ipr.link("set", index=ipr.link_lookup(ifname=f"v{self.tag}")[0],
                     master=ipr.link_lookup(ifname=bridge)[0], state="up")
        with NetNS(host.pod_ns) as ipr:
            idx = ipr.link_lookup(ifname="eth0")[0]
            ipr.addr("add", index=idx, address=host.pod_ip, prefixlen=24)
            ipr.link("set", index=idx, state="up")
            ipr.route("add", dst="0.0.0.0/0", gateway=str(ipaddress.ip_network(host.cidr).network_address + 1))

    @off_loop
    def remove(self) -> None:
        for name in reversed(self.namespaces):
            try:
                netns.remove(name)
            except OSError:
                pass


def source_ip_seen(client: FakeHost, server: FakeHost) -> str:
    """Connect from client's pod to server's pod; what the server saw as the source IP."""
    srv = subprocess.Popen(["nsenter", f"--net=/run/netns/{server.pod_ns}", sys.executable, "-c", SERVER],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout is not None and srv.stdout.readline().strip() == "ready"
        out = nsexec(client.pod_ns, sys.executable, "-c", CLIENT, server.pod_ip)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()
    finally:
        srv.kill()
        srv.wait()
