"""Service ClusterIP / NodePort allocation against real stores: unique under concurrency, freed, honoured."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.errors import StatusError
from kube.apiserver.allocators import IpRange, PortRange, ServiceAllocators


@pytest.fixture(params=["etcd", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Any]:
    if request.param == "etcd":
        from kube.store.etcd import EtcdStore

        server = request.getfixturevalue("etcd_server")  # skips (fails in CI) without an etcd binary
        s = await EtcdStore.connect([server], prefix=f"/kube-test-{uuid.uuid4().hex[:12]}")
    else:
        from kube.store.sqlite import SqliteStore

        s = await SqliteStore.open(str(tmp_path / "state.db"))
    try:
        yield s
    finally:
        await s.close()


def svc(name: str, kind: str = "ClusterIP", ports: list[dict[str, Any]] | None = None, ns: str = "default",
        **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"type": kind, "ports": ports if ports is not None else [{"port": 80}], **spec}}


def field_error(exc: pytest.ExceptionInfo[StatusError]) -> tuple[int, str, str]:
    cause = exc.value.details["causes"][0]
    return exc.value.code, cause["field"], cause["message"]


async def test_cluster_ips_are_in_range_and_skip_reserved(store: Any) -> None:
    alloc = ServiceAllocators(store, "10.0.0.0/29", "30000-30010")
    kube_svc = await alloc.allocate(svc("kubernetes"))
    assert kube_svc["spec"]["clusterIP"] == "10.0.0.1"
    assert kube_svc["spec"]["clusterIPs"] == ["10.0.0.1"] and kube_svc["spec"]["ipFamilies"] == ["IPv4"]
    got = [(await alloc.allocate(svc(f"s{i}")))["spec"]["clusterIP"] for i in range(5)]
    assert sorted(got) == [f"10.0.0.{i}" for i in range(2, 7)]  # not .0 (network), .1, .7 (broadcast)
    with pytest.raises(StatusError) as exc:
        await alloc.allocate(svc("full"))
    assert field_error(exc)[:2] == (422, "spec.clusterIPs") and "range is full" in exc.value.message


async def test_two_hundred_concurrent_creates_get_distinct_items(store: Any) -> None:
    # two allocators on one store stand for two API servers
    servers = [ServiceAllocators(store, "10.96.0.0/24", "30000-30299") for _ in range(2)]
    created = await asyncio.gather(*(servers[i % 2].allocate(svc(f"s{i}", "NodePort")) for i in range(200)))
    ips = [s["spec"]["clusterIP"] for s in created]
    ports = [s["spec"]["ports"][0]["nodePort"] for s in created]
    assert len(set(ips)) == 200 and len(set(ports)) == 200
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/24") for ip in ips)
    assert all(30000 <= p <= 30299 for p in ports)
    stored_ips, stored_ports = await servers[0].allocated()
    assert set(stored_ips) == set(ips) and {int(p) for p in stored_ports} == set(ports)


async def test_release_then_reuse(store: Any) -> None:
    alloc = ServiceAllocators(store, "10.0.0.0/29", "30000-30000")
    services = [await alloc.allocate(svc(f"s{i}")) for i in range(4)]  # 5 ordinary IPs in a /29
    a = await alloc.allocate(svc("np", "NodePort"))
    with pytest.raises(StatusError):
        await alloc.allocate(svc("np2", "NodePort"))
    await alloc.release(services[2])
    await alloc.release(a)
    b = await alloc.allocate(svc("np2", "NodePort"))
    assert b["spec"]["clusterIP"] in (services[2]["spec"]["clusterIP"], a["spec"]["clusterIP"])
    assert b["spec"]["ports"][0]["nodePort"] == 30000


async def test_requested_values_honoured_or_refused(store: Any) -> None:
    alloc = ServiceAllocators(store, "10.96.0.0/16", "30000-32767")
    one = await alloc.allocate(svc("one", "NodePort", [{"port": 80, "nodePort": 30080}], clusterIP="10.96.5.5"))
    assert one["spec"]["clusterIPs"] == ["10.96.5.5"] and one["spec"]["ports"][0]["nodePort"] == 30080
    cases = [
        (svc("a", clusterIP="10.96.5.5"), "spec.clusterIPs[0]", "provided IP is already allocated"),
        (svc("b", clusterIP="10.97.0.1"), "spec.clusterIPs[0]", "is not in the valid range"),
        (svc("c", clusterIP="not-an-ip"), "spec.clusterIPs[0]", "must be a valid IP address"),
        (svc("d", "NodePort", [{"port": 1, "nodePort": 30080}]), "spec.ports[0].nodePort",
         "provided port is already allocated"),
        (svc("e", "NodePort", [{"port": 1}, {"port": 2, "nodePort": 80}]), "spec.ports[1].nodePort",
         "provided port is not in the valid range. The range of valid ports is 30000-32767"),
        (svc("f", "NodePort", clusterIP="None"), "spec.clusterIPs[0]", "may not be set to 'None'"),
        (svc("g", "ClusterIP", [{"port": 1, "nodePort": 30001}]), "spec.ports[0].nodePort",
         "may not be used when `type` is 'ClusterIP'"),
    ]
    before = await alloc.allocated()
    for service, path, words in cases:
        with pytest.raises(StatusError) as exc:
            await alloc.allocate(service)
        code, field, message = field_error(exc)
        assert (code, field) == (422, path) and words in message, message
        assert exc.value.reason == "Invalid" and exc.value.message.startswith(f'Service "{service["metadata"]["name"]}"')
    assert await alloc.allocated() == before  # a refused call leaves nothing claimed


async def test_headless_and_external_name_allocate_nothing(store: Any) -> None:
    alloc = ServiceAllocators(store, "10.96.0.0/16")
    headless = await alloc.allocate(svc("h", clusterIP="None"))
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["clusterIPs"] == ["None"]
    ext = await alloc.allocate(svc("x", "ExternalName", externalName="example.org"))
    assert "clusterIP" not in ext["spec"]
    lb = await alloc.allocate(svc("lb", "LoadBalancer", allocateLoadBalancerNodePorts=False))
    assert "nodePort" not in lb["spec"]["ports"][0] and lb["spec"]["clusterIP"] != "None"
    ips, ports = await alloc.allocated()
    assert list(ips) == [lb["spec"]["clusterIP"]] and ports == {}


async def test_update_carries_over_changes_type_and_frees(store: Any) -> None:
    alloc = ServiceAllocators(store, "10.96.0.0/16")
    old = await alloc.allocate(svc("web", "NodePort", [{"name": "http", "port": 80}, {"name": "https", "port": 443}]))
    # an update that omits the allocated values keeps them
    new = await alloc.update(old, svc("web", "NodePort", [{"name": "http", "port": 80}, {"name": "https", "port": 443}]))
    assert new["spec"]["clusterIP"] == old["spec"]["clusterIP"]
    assert [p["nodePort"] for p in new["spec"]["ports"]] == [p["nodePort"] for p in old["spec"]["ports"]]
    # the IP is immutable
    with pytest.raises(StatusError) as exc:
        await alloc.update(new, svc("web", "NodePort", clusterIP="10.96.9.9"))
    assert field_error(exc)[1] == "spec.clusterIPs[0]" and "may not change once set" in exc.value.message
    # dropping a port frees its nodePort; going back to ClusterIP frees them all
    fewer = await alloc.update(new, svc("web", "NodePort", [{"name": "http", "port": 80}]))
    _, ports = await alloc.allocated()
    assert set(ports) == {str(fewer["spec"]["ports"][0]["nodePort"])}
    plain = await alloc.update(fewer, svc("web", "ClusterIP", [{"name": "http", "port": 80,
                                                                "nodePort": fewer["spec"]["ports"][0]["nodePort"]}]))
    assert "nodePort" not in plain["spec"]["ports"][0]
    assert (await alloc.allocated())[1] == {}
    # to ExternalName frees the IP; back to ClusterIP allocates one again
    ext = await alloc.update(plain, svc("web", "ExternalName", [], externalName="example.org"))
    assert (await alloc.allocated())[0] == {} and "clusterIP" not in ext["spec"]
    again = await alloc.update(ext, svc("web", "ClusterIP"))
    assert again["spec"]["clusterIP"] in (await alloc.allocated())[0]


async def test_release_only_frees_what_the_owner_holds(store: Any) -> None:
    alloc = ServiceAllocators(store, "10.96.0.0/16")
    a = svc("a")
    a["metadata"]["uid"] = "uid-1"
    held = await alloc.allocate(a)
    impostor = svc("a", clusterIP=held["spec"]["clusterIP"])
    impostor["metadata"]["uid"] = "uid-2"  # a duplicate create that lost: its release must not free a's IP
    await alloc.release(impostor)
    assert held["spec"]["clusterIP"] in (await alloc.allocated())[0]


@given(st.integers(min_value=22, max_value=29).map(lambda prefix: f"10.0.0.0/{prefix}"), st.randoms())
def test_ip_range_candidates_and_scan_stay_usable(cidr: str, rng: random.Random) -> None:
    r = IpRange.parse(cidr)
    scanned = list(r.scan(rng))
    assert len(scanned) == len(set(scanned)) == r.size
    assert r.kubernetes_ip not in scanned
    net = ipaddress.ip_network(cidr)
    assert str(net.network_address) not in scanned and str(net.broadcast_address) not in scanned
    assert all(r.contains(ip) for ip in scanned) and r.random_candidate(rng) in scanned


@given(st.integers(1, 65535), st.integers(0, 200), st.randoms())
def test_port_range_scan_covers_exactly(low: int, extra: int, rng: random.Random) -> None:
    high = min(65535, low + extra)
    r = PortRange.parse(f"{low}-{high}")
    assert sorted(r.scan(rng)) == list(range(low, high + 1))
    assert PortRange.parse(f"{low}+{high - low}") == r


@pytest.mark.parametrize(("cidr", "ports"), [("10.0.0.0/30", "30000-32767"), ("nonsense", "30000-32767"),
                                             ("10.0.0.1/24", "30000-32767"), ("10.0.0.0/24", "3-1"),
                                             ("10.0.0.0/24", "a-b"), ("10.0.0.0/24", "0-10")])
def test_bad_flags_are_clear_value_errors(cidr: str, ports: str) -> None:
    with pytest.raises(ValueError, match="invalid|too small"):
        ServiceAllocators(None, cidr, ports)  # type: ignore[arg-type]


async def test_repair_frees_only_leaked_items(store: Any) -> None:
    alloc = ServiceAllocators(store, "10.96.0.0/16")
    kept = await alloc.allocate(svc("kept", "NodePort"))
    leaked = await alloc.allocate(svc("leaked", "NodePort"))  # its write never happened
    freed_ips, freed_ports = await alloc.repair([kept])
    assert freed_ips == [leaked["spec"]["clusterIP"]]
    assert freed_ports == [str(leaked["spec"]["ports"][0]["nodePort"])]
    ips, ports = await alloc.allocated()
    assert list(ips) == [kept["spec"]["clusterIP"]] and list(ports) == [str(kept["spec"]["ports"][0]["nodePort"])]
