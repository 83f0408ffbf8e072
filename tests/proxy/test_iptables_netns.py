"""The iptables rules with real traffic, in namespaces of their own (netns_topology.py): an
outside client, the node itself and a pod reach ClusterIPs and NodePorts as kube-proxy's
rules let them; Local policies, session affinity, REJECT and DROP behave as Kubernetes
documents."""

from __future__ import annotations

import socket
import subprocess
import time
from collections import Counter

import pytest

from kube.bench import netns
from kube.proxy import iptables_executor
from kube.proxy.service_targets import Backend, ServiceTarget
from tests.proxy.netns_topology import (
    CLIENT_IP,
    CLUSTER_CIDR,
    NODE_IPS,
    POD_IPS,
    POD_PORT,
    Topology,
    tcp_ask,
    topology,  # noqa: F401 - fixture
)

PODS = tuple(Backend(ip, POD_PORT) for ip in POD_IPS)


def target(name: str, ip: str, node_port: int | None = None, backends: tuple[Backend, ...] = PODS,
           local: tuple[Backend, ...] = (), **policy: object) -> ServiceTarget:
    return ServiceTarget("default", name, "", "TCP", ip, 80, node_port, backends, local, **policy)  # type: ignore[arg-type]


def apply(topo: Topology, targets: list[ServiceTarget]) -> str:
    return netns.run_in(topo.node, lambda: iptables_executor.apply(targets, cluster_cidr=CLUSTER_CIDR))


def answers(topo: Topology, ns: str, ip: str, port: int, times: int = 30) -> Counter[str]:
    return Counter(tcp_ask(ns, ip, port) for _ in range(times))


def test_clusterip_and_nodeport_on_every_node_address_from_outside_the_node_and_pods(topology: Topology) -> None:  # noqa: F811
    apply(topology, [target("web", "10.96.0.20", node_port=30080)])
    backends = {f"{ip}" for ip in POD_IPS}
    from_node = answers(topology, topology.node, "10.96.0.20", 80)
    assert {a.split()[0] for a in from_node} == backends  # all three serve, from the node itself
    assert {a.split()[1] for a in from_node} == {"10.244.1.1"}  # the node's traffic is masqueraded
    from_pod = tcp_ask(topology.pod, "10.96.0.20", 80)
    assert from_pod.split()[0] in backends  # a pod reaches it, even when it lands on itself (hairpin)
    for node_ip in NODE_IPS:
        seen = answers(topology, topology.client, node_ip, 30080, times=12)
        assert {a.split()[0] for a in seen} <= backends and len(seen) >= 2
        assert {a.split()[1] for a in seen} == {"10.244.1.1"}  # Cluster policy: masqueraded
    assert tcp_ask(topology.node, netns.NODE_IP, 30080).split()[0] in backends  # NodePort from the node
    assert tcp_ask(topology.pod, netns.NODE_IP, 30080).split()[0] in backends  # and from a pod


def test_hairpin_a_pod_reaching_itself_through_its_service(topology: Topology) -> None:  # noqa: F811
    apply(topology, [target("self", "10.96.0.21", backends=PODS[:1])])
    assert tcp_ask(topology.pod, "10.96.0.21", 80) == f"{POD_IPS[0]} 10.244.1.1"  # masqueraded back to itself


def test_session_affinity_client_ip_sticks_to_one_backend(topology: Topology) -> None:  # noqa: F811
    apply(topology, [target("sticky", "10.96.0.22", affinity_seconds=600)])
    seen = answers(topology, topology.node, "10.96.0.22", 80, times=20)
    assert len(seen) == 1  # 20 connections, one backend


def test_external_traffic_policy_local_keeps_the_client_ip_and_uses_local_endpoints(topology: Topology) -> None:  # noqa: F811
    local = PODS[1:2]
    apply(topology, [target("local", "10.96.0.23", node_port=30081, local=local, external_local=True)])
    seen = answers(topology, topology.client, netns.NODE_IP, 30081, times=10)
    assert seen == Counter({f"{POD_IPS[1]} {CLIENT_IP}": 10})  # only the local one, source IP kept
    from_node = answers(topology, topology.node, netns.NODE_IP, 30081, times=20)
    assert len({a.split()[0] for a in from_node}) > 1  # the node itself is short-circuited to every endpoint


def test_no_endpoints_rejects_at_once_and_no_local_endpoint_drops(topology: Topology) -> None:  # noqa: F811
    apply(topology, [target("empty", "10.96.0.24", node_port=30082, backends=()),
                     target("elsewhere", "10.96.0.25", node_port=30083, internal_local=True, external_local=True)])
    for ns, ip, port in ((topology.node, "10.96.0.24", 80), (topology.client, netns.NODE_IP, 30082),
                         (topology.pod, "10.96.0.24", 80), (topology.node, netns.NODE_IP, 30082)):
        with pytest.raises(ConnectionRefusedError):  # REJECT: refused, not a hang
            tcp_ask(ns, ip, port, timeout=20)
    with pytest.raises(TimeoutError):  # internalTrafficPolicy Local, no endpoint here: DROP, as kube-proxy
        tcp_ask(topology.pod, "10.96.0.25", 80, timeout=1.5)
    with pytest.raises(TimeoutError):  # externalTrafficPolicy Local from outside: DROP
        tcp_ask(topology.client, netns.NODE_IP, 30083, timeout=1.5)
    assert tcp_ask(topology.node, netns.NODE_IP, 30083).split()[0] in POD_IPS  # the node: short-circuited


def test_headless_services_get_no_rules_and_cleanup_leaves_nothing(topology: Topology) -> None:  # noqa: F811
    from kube.proxy.service_targets import service_targets

    headless = {"metadata": {"name": "h", "namespace": "default"},
                "spec": {"clusterIP": "None", "ports": [{"port": 80}]}}
    payload = apply(topology, service_targets([headless], []))
    assert "default/h" not in payload
    removed = netns.run_in(topology.node, iptables_executor.cleanup)
    assert removed
    saved = netns.run_in(topology.node, lambda: subprocess.run(["iptables-save"], capture_output=True,
                                                              text=True, check=True).stdout)
    assert "KUBE-" not in saved


def test_partial_syncs_touch_only_changed_services_and_full_syncs_repair(topology: Topology) -> None:  # noqa: F811
    import asyncio

    from kube.proxy.proxier import IptablesExecutor

    executor = IptablesExecutor(CLUSTER_CIDR, full_sync_period=3600)
    a, b = target("a", "10.96.0.30"), target("b", "10.96.0.31", backends=PODS[:1])

    def sync(targets: list[ServiceTarget]) -> str:
        netns.run_in(topology.node, lambda: asyncio.run(executor.apply(targets)))
        return netns.run_in(topology.node, lambda: subprocess.run(["iptables-save", "-t", "nat"], capture_output=True,
                                                                  text=True, check=True).stdout)

    sync([a, b])
    rules = sync([a, target("b", "10.96.0.31", backends=PODS[1:2])])  # partial: b moved, a unchanged
    assert f"{POD_IPS[1]}:{POD_PORT}" in rules and f"-s {POD_IPS[0]}/32" in rules  # a's chains kept
    assert tcp_ask(topology.client, "10.96.0.31", 80).split()[0] == POD_IPS[1]
    assert {tcp_ask(topology.client, "10.96.0.30", 80).split()[0] for _ in range(20)} == set(POD_IPS)
    rules = sync([b])  # a is gone: its chains are deleted in the same commit
    assert "default/a:" not in rules and "KUBE-SVC-" in rules


def _udp_refused(ns: str, ip: str, port: int) -> bool:
    """True when a datagram to ip:port comes back as ICMP port unreachable (a connected socket
    reports it as ECONNREFUSED); False on an answer; TimeoutError when nothing comes back."""
    def ask() -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(5)
            sock.connect((ip, port))
            sock.send(b"q")
            try:
                sock.recv(256)
            except ConnectionRefusedError:
                return True
            return False
    return netns.run_in(ns, ask)


def _bridged_pod(topo: Topology) -> str:
    """One more pod namespace (10.244.9.2) behind a bridge in the node, as Docker attaches pods,
    with br_netfilter's iptables calls on where the module is loaded (Docker loads it)."""
    ns = "kpx-b" + topo.node.removeprefix("kpx-n")
    node = ["ip", "-n", topo.node]
    for argv in (["ip", "netns", "add", ns], [*node, "link", "add", "kpxbr", "type", "bridge"],
                 [*node, "addr", "add", "10.244.9.1/24", "dev", "kpxbr"], [*node, "link", "set", "kpxbr", "up"],
                 [*node, "link", "add", "kpxbr0", "type", "veth", "peer", "name", "eth0", "netns", ns],
                 [*node, "link", "set", "kpxbr0", "master", "kpxbr", "up"], ["ip", "-n", ns, "link", "set", "lo", "up"],
                 ["ip", "-n", ns, "addr", "add", "10.244.9.2/24", "dev", "eth0"],
                 ["ip", "-n", ns, "link", "set", "eth0", "up"],
                 ["ip", "-n", ns, "route", "add", "default", "via", "10.244.9.1"]):
        subprocess.run(argv, check=True, capture_output=True, timeout=30)
    subprocess.run(["ip", "netns", "exec", topo.node, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"],
                   capture_output=True, timeout=30)  # absent without br_netfilter: a plain bridge then
    return ns


def test_no_endpoints_rejects_at_once_even_where_the_service_range_is_blackholed(topology: Topology) -> None:  # noqa: F811
    """A node that routes the service and pod ranges nowhere (a safety blackhole) still refuses a
    Service without endpoints at once: nat REDIRECTs it to the node before routing, filter
    REJECTs it there; a local server on the same port never sees it. A pod behind a bridge with
    br_netfilter on (as Docker's) is refused too (a TCP reset would leave un-NATed). (Without the
    kube-svc0 routes the node's own sockets fail connect() with EINVAL at the route lookup, before
    netfilter; test_node_service_routes.py covers them with the routes.)"""
    for cidr in ("10.96.0.0/12", CLUSTER_CIDR):
        subprocess.run(["ip", "-n", topology.node, "route", "add", "blackhole", cidr], check=True, timeout=30)
    local_server = netns.run_in(topology.node, lambda: socket.create_server(("0.0.0.0", 80)))
    bridged = _bridged_pod(topology)
    empty_udp = ServiceTarget("default", "empty-udp", "dns", "UDP", "10.96.0.40", 53, None)
    apply(topology, [target("empty", "10.96.0.41", node_port=30084, backends=()), empty_udp,
                     target("web", "10.96.0.42")])
    try:
        for ns, ip, port in ((topology.pod, "10.96.0.41", 80), (topology.client, "10.96.0.41", 80),
                             (bridged, "10.96.0.41", 80), (topology.pod, netns.NODE_IP, 30084),
                             (topology.client, netns.NODE_IP, 30084)):
            started = time.monotonic()
            with pytest.raises(ConnectionRefusedError):
                tcp_ask(ns, ip, port, timeout=20)
            assert time.monotonic() - started < 10  # refused, not a timeout (a hang ends at 20s)
        for ns in (topology.pod, topology.client, bridged):
            assert _udp_refused(ns, "10.96.0.40", 53)
        assert tcp_ask(topology.pod, "10.96.0.42", 80).split()[0] in POD_IPS  # with endpoints: served
        assert tcp_ask(topology.client, "10.96.0.42", 80).split()[0] in POD_IPS
    finally:
        local_server.close()
        netns.delete(bridged)
