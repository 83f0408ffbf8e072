"""The pure desired-state computation: which backends serve which service port, from
EndpointSlices (ready endpoints; serving terminating ones only when none is ready)."""

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


def endpoint_slice(service_name: str, endpoints: list[dict], ports: list[dict], name: str = "") -> dict:
    return {"metadata": {"name": name or f"{service_name}-x", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports}


def endpoint(ip: str, ready: bool | None = True, serving: bool | None = None, terminating: bool | None = None) -> dict:
    conditions = {k: v for k, v in (("ready", ready), ("serving", serving), ("terminating", terminating))
                  if v is not None}
    return {"addresses": [ip], "conditions": conditions}


endpoint_st = st.builds(endpoint, ips, st.sampled_from([True, False, None]), st.sampled_from([True, False, None]),
                        st.sampled_from([True, False, None]))
slice_st = st.fixed_dictionaries({
    "endpoints": st.lists(endpoint_st, max_size=6),
    "ports": st.lists(st.builds(lambda n, p: {"name": n, "port": p, "protocol": "TCP"}, port_names,
                                st.integers(1, 65535)), max_size=3, unique_by=lambda p: p["name"]),
})


def _ready(e: dict) -> bool:
    return e["conditions"].get("ready", True)


def _fallback(e: dict) -> bool:
    c = e["conditions"]
    return not _ready(e) and c.get("serving", _ready(e)) and c.get("terminating", False)


@given(st.lists(st.tuples(port_names, st.integers(1, 65535)), min_size=1, max_size=3, unique_by=lambda p: p[0]),
       st.lists(slice_st, max_size=3))
def test_ready_endpoints_once_per_port_and_terminating_only_when_none_is_ready(ports, slices) -> None:
    objs = [endpoint_slice("web", s["endpoints"], s["ports"], f"web-{i}") for i, s in enumerate(slices)]
    targets = service_targets([service("web", ports)], objs)
    assert [(t.port_name, t.port) for t in targets] == sorted(ports)
    for target in targets:
        def backends(test, port_name: str = target.port_name) -> set[Backend]:
            return {Backend(e["addresses"][0], p["port"]) for s in slices for e in s["endpoints"] if test(e)
                    for p in s["ports"] if p["name"] == port_name}

        assert len(target.backends) == len(set(target.backends))  # once each
        assert set(target.backends) == (backends(_ready) or backends(_fallback))


def test_terminating_endpoints_serve_only_while_no_endpoint_is_ready() -> None:
    port = [{"name": "", "port": 8080, "protocol": "TCP"}]
    going = endpoint("10.244.0.2", ready=False, serving=True, terminating=True)
    not_serving = endpoint("10.244.0.3", ready=False, serving=False, terminating=True)
    svc = service("web", [("", 80)])
    (only_going,) = service_targets([svc], [endpoint_slice("web", [going, not_serving], port)])
    assert only_going.backends == (Backend("10.244.0.2", 8080),)
    (with_ready,) = service_targets([svc], [endpoint_slice("web", [going], port, "a"),
                                            endpoint_slice("web", [endpoint("10.244.0.9")], port, "b")])
    assert with_ready.backends == (Backend("10.244.0.9", 8080),)
    (none,) = service_targets([svc], [endpoint_slice("web", [not_serving, endpoint("10.244.0.4", False)], port)])
    assert none.backends == ()


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


def test_slices_of_another_namespace_or_service_or_unlabelled_do_not_match() -> None:
    port = [{"name": "", "port": 8080}]
    other_ns = endpoint_slice("web", [endpoint("10.244.1.2")], port)
    other_ns["metadata"]["namespace"] = "other"
    other_svc = endpoint_slice("api", [endpoint("10.244.1.3")], port)
    unlabelled = endpoint_slice("web", [endpoint("10.244.1.4")], port)
    del unlabelled["metadata"]["labels"]
    fqdn = {**endpoint_slice("web", [{"addresses": ["db.example.com"]}], port), "addressType": "FQDN"}
    assert service_targets([service("web", [("", 80)])], [other_ns, other_svc, unlabelled, fqdn])[0].backends == ()


def test_local_backends_are_this_nodes_with_their_own_terminating_fallback() -> None:
    port = [{"name": "", "port": 8080, "protocol": "TCP"}]
    here_going = {**endpoint("10.244.0.2", ready=False, serving=True, terminating=True), "nodeName": "a"}
    there = {**endpoint("10.244.0.3"), "nodeName": "b"}
    svc = service("web", [("", 80)])
    svc["spec"] |= {"internalTrafficPolicy": "Local", "externalTrafficPolicy": "Local"}
    (t,) = service_targets([svc], [endpoint_slice("web", [here_going, there], port)], {"a"})
    assert t.backends == (Backend("10.244.0.3", 8080),)  # cluster-wide: the ready one
    assert t.local_backends == (Backend("10.244.0.2", 8080),)  # here none is ready: the terminating one
    assert t.internal_local and t.external_local
    (nowhere,) = service_targets([svc], [endpoint_slice("web", [here_going, there], port)])
    assert nowhere.local_backends == ()  # no node name: nothing is local
    (both,) = service_targets([svc], [endpoint_slice("web", [here_going, there], port)], {"a", "b"})
    assert both.local_backends == (Backend("10.244.0.3", 8080),)  # two minions in one netns: both local


def test_session_affinity_client_ip_with_its_timeout_or_kubernetes_default() -> None:
    svc = service("web", [("", 80)])
    assert service_targets([svc], [])[0].affinity_seconds is None
    svc["spec"]["sessionAffinity"] = "ClientIP"
    assert service_targets([svc], [])[0].affinity_seconds == 10800
    svc["spec"]["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 60}}
    assert service_targets([svc], [])[0].affinity_seconds == 60
