"""The pure desired-state computation: which backends serve which service port."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kube.proxy.service_targets import Backend, service_targets

octet = st.integers(1, 254)
ips = st.builds(lambda a, b: f"10.244.{a}.{b}", octet, octet)
port_names = st.sampled_from(["", "http", "metrics"])


def service(name: str, ports: list[tuple[str, int]], *, type_: str = "ClusterIP", ip: str = "10.96.0.10") -> dict:
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"type": type_, "clusterIP": ip,
                     "ports": [{"name": n, "port": p, "protocol": "TCP",
                                **({"nodePort": 30000 + p} if type_ == "NodePort" else {})} for n, p in ports]}}


def endpoints(name: str, subsets: list[dict]) -> dict:
    return {"metadata": {"name": name, "namespace": "default"}, "subsets": subsets}


subset_st = st.fixed_dictionaries({
    "addresses": st.lists(st.builds(lambda ip: {"ip": ip}, ips), max_size=6),
    "notReadyAddresses": st.lists(st.builds(lambda ip: {"ip": ip}, ips), max_size=4),
    "ports": st.lists(st.builds(lambda n, p: {"name": n, "port": p, "protocol": "TCP"}, port_names,
                                st.integers(1, 65535)), max_size=3, unique_by=lambda p: p["name"]),
})


@given(st.lists(st.tuples(port_names, st.integers(1, 65535)), min_size=1, max_size=3, unique_by=lambda p: p[0]),
       st.lists(subset_st, max_size=3))
def test_every_ready_endpoint_once_per_service_port_and_never_a_not_ready_one(ports, subsets) -> None:
    targets = service_targets([service("web", ports)], [endpoints("web", subsets)])
    assert [(t.port_name, t.port) for t in targets] == sorted(ports)
    ready_only = {a["ip"] for s in subsets for a in s["addresses"]}
    for target in targets:
        expected = {Backend(a["ip"], p["port"]) for s in subsets for a in s["addresses"]
                    for p in s["ports"] if p["name"] == target.port_name}
        assert len(target.backends) == len(set(target.backends))  # once each
        assert set(target.backends) == expected
        assert {b.ip for b in target.backends} <= ready_only
    not_ready = {a["ip"] for s in subsets for a in s["notReadyAddresses"]} - ready_only
    assert not any(b.ip in not_ready for t in targets for b in t.backends)


def test_headless_and_externalname_services_are_not_proxied() -> None:
    headless = service("h", [("", 80)], ip="None")
    external = {"metadata": {"name": "x", "namespace": "default"}, "spec": {"type": "ExternalName"}}
    assert service_targets([headless, external], []) == []


def test_node_port_only_for_nodeport_services_and_missing_endpoints_give_no_backends() -> None:
    targets = service_targets([service("np", [("http", 80)], type_="NodePort"), service("cip", [("", 81)])], [])
    by_name = {t.name: t for t in targets}
    assert by_name["np"].node_port == 30080
    assert by_name["cip"].node_port is None
    assert all(t.backends == () for t in targets)


def test_endpoints_of_another_namespace_do_not_match() -> None:
    eps = endpoints("web", [{"addresses": [{"ip": "10.244.1.2"}], "ports": [{"name": "", "port": 8080}]}])
    eps["metadata"]["namespace"] = "other"
    assert service_targets([service("web", [("", 80)])], [eps])[0].backends == ()
