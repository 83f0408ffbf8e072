"""The pod network between two hosts made of network namespaces, against a real API
server: the VXLAN device as flannel makes it, pods reaching each other with their own
source IP over vxlan and over host-gw, a deleted Node's routes / neighbour / FDB entries
going, a same-host peer getting nothing, bad settings becoming Events, and cleanup()."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator

import pytest
from pyroute2 import NetNS

from kube.client.rest import RestClient
from kube.node.network import cleanup
from kube.node.network.config import DEVICE, NetworkConfig
from kube.node.network.controller import PodNetwork, host_pod_mtu
from kube.node.network.peers import BACKEND_DATA, BACKEND_TYPE, PUBLIC_IP
from tests.apiserver.conftest import eventually, server_process, write_kubeconfig  # noqa: F401 - fixture
from tests.node.cluster import EVENT, NODE
from tests.node.network.hosts_in_netns import FakeHost, Lab, nsexec, off_loop, source_ip_seen


@pytest.fixture
def lab() -> Iterator[Lab]:
    if os.geteuid() != 0:
        pytest.fail("network namespaces need root")
    made = Lab()
    try:
        yield made
    finally:
        made.remove()


@pytest.fixture
async def client(kubeconfig) -> AsyncIterator[RestClient]:
    c = RestClient.from_kubeconfig(str(kubeconfig))
    yield c
    await c.close()


async def add_node(client: RestClient, name: str, cidr: str = "") -> None:
    spec = {"podCIDR": cidr, "podCIDRs": [cidr]} if cidr else {}
    await client.create(NODE, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": spec})


@off_loop
def routes(host: FakeHost) -> dict[str, str]:
    with NetNS(host.ns) as ipr:
        return {f"{r.get('RTA_DST')}/{r['dst_len']}": str(r.get("RTA_GATEWAY")) for r in ipr.get_routes(family=2)
                if r["proto"] == 107}


@off_loop
def vxlan_entries(host: FakeHost) -> tuple[list[str], list[str]]:
    with NetNS(host.ns) as ipr:
        idx = ipr.link_lookup(ifname=DEVICE)
        if not idx:
            return [], []
        neigh = [str(n.get("NDA_DST")) for n in ipr.get_neighbours(ifindex=idx[0], family=2)]
        fdb = [str(f.get("NDA_DST")) for f in ipr.fdb("dump", ifindex=idx[0]) if f.get("NDA_DST")]
    return neigh, fdb


@off_loop
def device(host: FakeHost):  # -> (link, IFLA_INFO_DATA) | None
    with NetNS(host.ns) as ipr:
        idx = ipr.link_lookup(ifname=DEVICE)
        if not idx:
            return None
        link = ipr.get_links(idx[0])[0]
        return link, link.get_attr("IFLA_LINKINFO").get_attr("IFLA_INFO_DATA")


async def start(client: RestClient, name: str, host: FakeHost, mode: str, **kw) -> PodNetwork:
    net = PodNetwork(client, name, NetworkConfig(mode=mode, netns=host.ns, public_ip=kw.pop("public_ip", "")),
                     resync_seconds=kw.pop("resync_seconds", 0.5), **kw)
    await net.start()
    return net


async def two_nodes(lab: Lab, client: RestClient, mode: str) -> tuple[list[FakeHost], list[PodNetwork]]:
    hosts = lab.hosts(2)
    nets = []
    for i, h in enumerate(hosts):
        lab.pod(h, f"n{i}-{lab.tag}")
        await add_node(client, f"n{i}-{lab.tag}", h.cidr)
        nets.append(await start(client, f"n{i}-{lab.tag}", h, mode))
    return hosts, nets


async def stop_all(nets: list[PodNetwork]) -> None:
    for n in nets:
        await n.stop()


async def test_vxlan_pods_reach_each_other_with_their_own_source_ip(lab: Lab, client: RestClient) -> None:
    (a, b), nets = await two_nodes(lab, client, "vxlan")
    try:
        await eventually(lambda: _true(b.cidr in routes(a) and a.cidr in routes(b)), timeout=20)
        node = await client.get(NODE, f"n0-{lab.tag}")
        notes = node["metadata"]["annotations"]
        assert notes[BACKEND_TYPE] == "vxlan" and notes[PUBLIC_IP] == a.ip  # found by the default route
        data = json.loads(notes[BACKEND_DATA])
        assert data["VNI"] == 1 and data["VtepMAC"] == nets[0].vtep_mac
        link, info = device(a)
        assert link.get_attr("IFLA_MTU") == 1450
        assert await asyncio.to_thread(host_pod_mtu, NetworkConfig(mode="vxlan", netns=a.ns)) == 1450  # what the pods' network gets
        assert await asyncio.to_thread(host_pod_mtu, NetworkConfig(mode="host-gw", netns=a.ns)) is None  # nothing encapsulated
        assert await asyncio.to_thread(host_pod_mtu, NetworkConfig("vxlan", netns=a.ns, public_ip="192.0.2.99")) is None  # no uplink
        assert (info.get_attr("IFLA_VXLAN_ID"), info.get_attr("IFLA_VXLAN_PORT"),
                info.get_attr("IFLA_VXLAN_LEARNING"), info.get_attr("IFLA_VXLAN_LOCAL")) == (1, 4789, 0, a.ip)
        assert routes(a)[b.cidr] == "10.244.2.0"
        assert vxlan_entries(a) == (["10.244.2.0"], [b.ip])
        assert source_ip_seen(a, b) == a.pod_ip
        assert source_ip_seen(b, a) == b.pod_ip
        nat = nsexec(a.ns, "iptables", "-t", "nat", "-S", "POSTROUTING").stdout.splitlines()
        assert nat[1].endswith("-j KUBENET-NAT")  # first rule
    finally:
        await stop_all(nets)


async def _true(value: bool) -> bool:
    return value


async def test_host_gw_routes_via_the_peer_public_ip(lab: Lab, client: RestClient) -> None:
    (a, b), nets = await two_nodes(lab, client, "host-gw")
    try:
        await eventually(lambda: _true(routes(a).get(b.cidr) == b.ip and routes(b).get(a.cidr) == a.ip), timeout=20)
        assert device(a) is None
        assert source_ip_seen(a, b) == a.pod_ip
    finally:
        await stop_all(nets)


async def test_a_deleted_node_loses_its_route_neighbour_and_fdb_entry(lab: Lab, client: RestClient) -> None:
    (a, b), nets = await two_nodes(lab, client, "vxlan")
    try:
        await eventually(lambda: _true(b.cidr in routes(a)), timeout=20)
        await nets[1].stop()
        await client.delete(NODE, f"n1-{lab.tag}")
        await eventually(lambda: _true(b.cidr not in routes(a) and vxlan_entries(a) == ([], [])), timeout=20)
    finally:
        await stop_all(nets[:1])


async def test_a_peer_whose_podcidr_changes_is_reprogrammed(lab: Lab, client: RestClient) -> None:
    (a, b), nets = await two_nodes(lab, client, "host-gw")
    try:
        await eventually(lambda: _true(b.cidr in routes(a)), timeout=20)
        await client.patch(NODE, f"n1-{lab.tag}", {"metadata": {"annotations": {PUBLIC_IP: "192.168.77.9"}}})
        await nets[1].stop()  # else it publishes its own address again
        await client.patch(NODE, f"n1-{lab.tag}", {"metadata": {"annotations": {PUBLIC_IP: "192.168.77.9"}}})
        await eventually(lambda: _true(routes(a).get(b.cidr) == "192.168.77.9"), timeout=20)
    finally:
        await stop_all(nets[:1])


async def test_a_peer_on_the_same_host_gets_no_route(lab: Lab, client: RestClient) -> None:
    (a,) = lab.hosts(1)
    lab.pod(a, f"x-{lab.tag}")
    from tests.node.network.hosts_in_netns import add_bridge

    add_bridge(a.ns, f"y-{lab.tag}", "10.244.9.0/24")  # a second minion sharing the namespace (make up)
    await add_node(client, f"x-{lab.tag}", a.cidr)
    await add_node(client, f"y-{lab.tag}", "10.244.9.0/24")
    nets = [await start(client, f"x-{lab.tag}", a, "vxlan"), await start(client, f"y-{lab.tag}", a, "vxlan")]
    try:
        await eventually(lambda: _true(all(n.passes > 2 for n in nets)), timeout=20)
        assert routes(a) == {} and vxlan_entries(a) == ([], [])
        assert all(n.programmed == {} for n in nets)
    finally:
        await stop_all(nets)


async def warnings(client: RestClient, node: str) -> list[dict]:
    items = (await client.list(EVENT, "default"))["items"]
    return [e for e in items if e["involvedObject"].get("name") == node and e["involvedObject"]["kind"] == "Node"]


async def test_an_overlapping_cluster_cidr_is_an_event_and_touches_nothing(lab: Lab, client: RestClient) -> None:
    (a,) = lab.hosts(1)
    await add_node(client, f"o-{lab.tag}", "192.168.0.0/24")
    net = PodNetwork(client, f"o-{lab.tag}", NetworkConfig(cluster_cidr="192.168.0.0/16", netns=a.ns),
                     resync_seconds=0.3)
    await net.start()
    try:
        events = await eventually(lambda: warnings(client, f"o-{lab.tag}"), timeout=20)
        assert events[0]["reason"] == "InvalidClusterCIDR"
        assert "overlaps the host's route 192.168.77.0/24 (dev eth0)" in events[0]["message"]
        assert device(a) is None
        assert "KUBENET" not in nsexec(a.ns, "iptables-save").stdout
    finally:
        await net.stop()


async def test_a_node_without_podcidr_gets_an_event_and_still_reaches_peers(lab: Lab, client: RestClient) -> None:
    a, b = lab.hosts(2)
    await add_node(client, f"p-{lab.tag}")
    await add_node(client, f"q-{lab.tag}", b.cidr)
    nets = [await start(client, f"p-{lab.tag}", a, "vxlan", no_cidr_grace=0.5),
            await start(client, f"q-{lab.tag}", b, "vxlan")]
    try:
        events = await eventually(lambda: warnings(client, f"p-{lab.tag}"), timeout=20)
        assert events[0]["reason"] == "NoPodCIDR"
        await eventually(lambda: _true(b.cidr in routes(a)), timeout=20)  # peers are still programmed
        assert a.cidr not in routes(b)  # nothing to route to
    finally:
        await stop_all(nets)


async def test_cleanup_removes_links_routes_and_rules_by_name(lab: Lab, client: RestClient) -> None:
    (a, b), nets = await two_nodes(lab, client, "vxlan")
    await eventually(lambda: _true(b.cidr in routes(a)), timeout=20)
    await stop_all(nets)
    removed = off_loop(cleanup)(a.ns)
    assert f"link {DEVICE}" in removed and "nat/KUBENET-NAT" in removed and "filter/KUBENET-FORWARD" in removed
    assert routes(a) == {}
    assert device(a) is None
    assert "KUBENET" not in nsexec(a.ns, "iptables-save").stdout
    assert off_loop(cleanup)(a.ns) == []  # nothing left: a second call is a no-op


async def test_the_loop_survives_an_api_server_restart(lab: Lab, server_process, pki_dir, tmp_path) -> None:  # noqa: F811
    from tests.apiserver.conftest import ADMIN_TOKEN, ca_file

    config = write_kubeconfig(tmp_path / "kc", server_process.url, ca_file(pki_dir), ADMIN_TOKEN)
    c = RestClient.from_kubeconfig(str(config))
    a, b = lab.hosts(2)
    await add_node(c, "r0", a.cidr)
    net = await start(c, "r0", a, "host-gw")
    try:
        await eventually(lambda: _true(net.passes > 1), timeout=20)
        await asyncio.to_thread(server_process.stop)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(server_process.start)
        await add_node(c, "r1", b.cidr)  # a peer that appears after the restart
        await c.patch(NODE, "r1", {"metadata": {"annotations": {BACKEND_TYPE: "host-gw", PUBLIC_IP: b.ip,
                                                                BACKEND_DATA: "{}"}}})
        await eventually(lambda: _true(routes(a).get(b.cidr) == b.ip), timeout=60)
    finally:
        await net.stop()
        await c.close()
