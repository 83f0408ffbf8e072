"""The node's own sockets reach ClusterIPs although the node blackholes the service and pod
ranges (safety routes): service_routes sends the range's halves to the kube-svc0 link, nat
OUTPUT DNATs; `kube proxy --cleanup` removes the link and its routes by name."""

from __future__ import annotations

import asyncio
import ipaddress
import subprocess
import sys
import time

import pytest

from kube.bench import netns
from kube.proxy import service_routes
from kube.proxy.proxier import IptablesExecutor
from tests.proxy.netns_topology import (
    CLUSTER_CIDR,
    POD_IPS,
    Topology,
    tcp_ask,
    topology,  # noqa: F401 - fixture
)
from tests.proxy.test_iptables_netns import target

KUBE = [sys.executable, "-m", "kube", "proxy"]


def lines(table: str) -> list[str]:
    """`ip route` lines without the proto/scope tail."""
    return [line.split(" proto ")[0].strip() for line in table.splitlines()]


def routes(ns: str) -> str:
    return subprocess.run(["ip", "-n", ns, "route", "show"], capture_output=True, text=True, check=True).stdout


def test_node_reaches_clusterips_past_a_blackhole_and_cleanup_removes_the_link(topology: Topology) -> None:  # noqa: F811
    for cidr in ("10.96.0.0/12", CLUSTER_CIDR):
        subprocess.run(["ip", "-n", topology.node, "route", "add", "blackhole", cidr], check=True, timeout=30)
    executor = IptablesExecutor(CLUSTER_CIDR, full_sync_period=0, service_cidr="10.96.0.0/12")  # every sync full
    targets = [target("web", "10.96.0.50"), target("far", "10.111.0.9", backends=()),
               target("empty", "10.96.0.51", backends=())]
    netns.run_in(topology.node, lambda: asyncio.run(executor.apply(targets)))
    assert {"10.96.0.0/13 dev kube-svc0", "10.104.0.0/13 dev kube-svc0"} <= set(lines(routes(topology.node)))
    subprocess.run(["ip", "-n", topology.node, "link", "del", service_routes.LINK], check=True, timeout=30)
    netns.run_in(topology.node, lambda: asyncio.run(executor.apply(targets)))  # a full sync repairs it
    assert {"10.96.0.0/13 dev kube-svc0", "10.104.0.0/13 dev kube-svc0"} <= set(lines(routes(topology.node)))
    assert "KUBE-MARK-MASQ" in netns.run_in(topology.node, lambda: subprocess.run(
        ["iptables-save", "-t", "nat"], capture_output=True, text=True, check=True).stdout)

    backend, source = tcp_ask(topology.node, "10.96.0.50", 80).split()
    picked = subprocess.run(["ip", "-n", topology.node, "route", "get", "10.96.0.50"], capture_output=True,
                            text=True, check=True, timeout=30).stdout.split(" src ")[1].split()[0]
    assert ipaddress.ip_address(picked) not in ipaddress.ip_network(CLUSTER_CIDR)  # the socket's source: outside
    assert source == "10.244.1.1" != picked  # so KUBE-MARK-MASQ marked it; masqueraded to the pod-side address
    assert backend in POD_IPS  # DNATed to a pod, and it answered
    for ip in ("10.96.0.51", "10.111.0.9"):  # no endpoints, in either half: refused at once
        started = time.monotonic()
        with pytest.raises(ConnectionRefusedError):
            tcp_ask(topology.node, ip, 80, timeout=20)
        assert time.monotonic() - started < 10  # refused, not a hang ending at 20s
    with pytest.raises(TimeoutError):  # no Service there: not DNATed, dropped on the link, never sent
        tcp_ask(topology.node, "10.96.0.99", 80, timeout=1.5)

    out = subprocess.run(["ip", "netns", "exec", topology.node, *KUBE, "--cleanup"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    left = subprocess.run(["ip", "-n", topology.node, "link", "show", service_routes.LINK], capture_output=True,
                          text=True, timeout=30)
    assert left.returncode != 0  # the link is gone
    table = routes(topology.node)
    assert service_routes.LINK not in table and "blackhole 10.96.0.0/12" in table  # the safety route stays
    assert not netns.run_in(topology.node, service_routes.remove)  # nothing left to remove


def test_bad_service_cluster_ip_range_is_one_line() -> None:
    out = subprocess.run([*KUBE, "--mode", "userspace", "--service-cluster-ip-range", "ten"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode != 0 and out.stderr.count("\n") == 1
    assert "--service-cluster-ip-range" in out.stderr and "Traceback" not in out.stderr


def test_halves_of_a_range() -> None:
    assert service_routes.halves("10.96.0.0/12") == ["10.96.0.0/13", "10.104.0.0/13"]
    assert service_routes.halves("fd00:10:96::/112") == ["fd00:10:96::/113", "fd00:10:96::8000/113"]
    assert service_routes.halves("10.96.0.7/32") == ["10.96.0.7/32"]
