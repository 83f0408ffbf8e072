"""Stale UDP conntrack entries: which flows a change makes stale (pure), and with real
datagrams in namespaces of their own, that a UDP client keeping its source port (a resolver
asking 10.96.0.10:53) follows the endpoints instead of a dead or missing NAT choice."""

from __future__ import annotations

import asyncio

import pytest

from kube.bench import netns
from kube.proxy.conntrack import StaleFlow, stale_flows
from kube.proxy.proxier import IptablesExecutor
from kube.proxy.service_targets import Backend, ServiceTarget
from tests.proxy.netns_topology import CLUSTER_CIDR, POD_IPS, POD_PORT, Topology, topology, udp_ask  # noqa: F401

DNS_IP = "10.96.0.10"


def dns(*ips: str, node_port: int | None = None, protocol: str = "UDP") -> ServiceTarget:
    return ServiceTarget("kube-system", "kube-dns", "dns", protocol, DNS_IP, 53, node_port,
                         tuple(Backend(ip, POD_PORT) for ip in ips))


def test_removed_endpoints_and_a_port_gaining_its_first_endpoint_are_stale() -> None:
    assert stale_flows([dns("10.244.1.2", "10.244.1.3")], [dns("10.244.1.3")]) == [
        StaleFlow(DNS_IP, 53, "10.244.1.2")]
    assert stale_flows([dns()], [dns("10.244.1.2", node_port=30053)]) == [
        StaleFlow(None, 30053, None), StaleFlow(DNS_IP, 53, None)]
    assert stale_flows([dns("10.244.1.2")], []) == [StaleFlow(DNS_IP, 53, "10.244.1.2")]  # service gone
    assert stale_flows([dns("10.244.1.2")], [dns("10.244.1.2")]) == []  # no change
    assert stale_flows([dns("10.244.1.2", protocol="TCP")], [dns(protocol="TCP")]) == []  # TCP needs none


def test_udp_client_follows_endpoints_after_flushes(topology: Topology) -> None:  # noqa: F811
    executor = IptablesExecutor(CLUSTER_CIDR)

    def apply(target: list[ServiceTarget]) -> None:
        netns.run_in(topology.node, lambda: asyncio.run(executor.apply(target)))

    apply([])  # no rules yet: the resolver's first query makes an entry without NAT
    with pytest.raises(TimeoutError):
        udp_ask(topology.client, DNS_IP, 53, source_port=40053, timeout=0.5)
    apply([dns(POD_IPS[0])])  # the DNS pod is up: the un-NATed entry must go
    assert udp_ask(topology.client, DNS_IP, 53, source_port=40053).split()[0] == POD_IPS[0]
    apply([dns(POD_IPS[1])])  # it moved: the entry NATed to the old one must go (the old one still answers)
    assert udp_ask(topology.client, DNS_IP, 53, source_port=40053).split()[0] == POD_IPS[1]
