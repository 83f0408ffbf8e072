"""EndpointSlice reconcile: conditions, ports, labels, owner, packing, minimal churn, and a
hypothesis property over random pods and Services."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.controllers.actions import Delete, Update
from kube.controllers.endpointslice.desired import (
    CONTROLLER_NAME,
    MANAGED_BY_LABEL,
    SERVICE_NAME_LABEL,
    unresolved_ports,
)
from kube.controllers.endpointslice.reconcile import reconcile_slices
from tests.controllers.endpointslice.sim import apply


def service(name: str = "web", selector: dict | None = None, ports: list | None = None, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": {"team": "a"}},
            "spec": {"selector": {"app": "web"} if selector is None else selector,
                     "ports": ports if ports is not None else [{"name": "http", "port": 80, "targetPort": 8080,
                                                                "protocol": "TCP"}], **spec}}


def pod(name: str, ip: str, ready: bool = True, labels: dict | None = None, node: str = "n1",
        ports: list | None = None, **meta) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                         "labels": {"app": "web"} if labels is None else labels, **meta},
            "spec": {"nodeName": node, "containers": [{"name": "c", "ports": ports or []}]},
            "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": str(ready)}]}}


NODES = {"n1": ""}


def converge(svc, pods, slices=None, zones=None, limit=100):
    zones = NODES if zones is None else zones
    slices = apply(slices or {}, reconcile_slices(svc, pods, list((slices or {}).values()), zones, limit))
    assert reconcile_slices(svc, pods, list(slices.values()), zones, limit) == [], "not converged"
    return slices


def endpoints(slices: dict) -> list[dict]:
    return [e for s in slices.values() for e in s.get("endpoints") or []]


def test_endpoint_fields_labels_and_owner() -> None:
    (s,) = converge(service(), [pod("a", "10.0.0.1")], zones={"n1": "zone-a"}).values()
    assert s["addressType"] == "IPv4" and s["metadata"]["name"].startswith("web-")
    assert s["metadata"]["labels"] == {"team": "a", SERVICE_NAME_LABEL: "web", MANAGED_BY_LABEL: CONTROLLER_NAME}
    assert s["metadata"]["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "web",
                                                 "uid": "uid-web", "controller": True, "blockOwnerDeletion": True}]
    assert s["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert s["endpoints"] == [{"addresses": ["10.0.0.1"],
                               "conditions": {"ready": True, "serving": True, "terminating": False},
                               "nodeName": "n1", "zone": "zone-a",
                               "targetRef": {"kind": "Pod", "namespace": "default", "name": "a", "uid": "uid-a"}}]


def test_conditions_not_ready_and_terminating() -> None:
    pods = [pod("a", "10.0.0.1", ready=False), pod("b", "10.0.0.2", deletionTimestamp="2026-01-01T00:00:00Z"),
            pod("c", "10.0.0.3", ready=False, deletionTimestamp="2026-01-01T00:00:00Z")]
    conds = {e["targetRef"]["name"]: e["conditions"] for e in endpoints(converge(service(), pods))}
    assert conds == {"a": {"ready": False, "serving": False, "terminating": False},
                     "b": {"ready": False, "serving": True, "terminating": True},
                     "c": {"ready": False, "serving": False, "terminating": True}}
    published = converge(service(publishNotReadyAddresses=True), pods[:1])
    assert endpoints(published)[0]["conditions"] == {"ready": True, "serving": False, "terminating": False}


def test_pods_on_unknown_nodes_wait_unless_published() -> None:
    pods = [pod("a", "10.0.0.1"), pod("b", "10.0.0.2", node="gone")]
    assert [e["targetRef"]["name"] for e in endpoints(converge(service(), pods))] == ["a"]
    published = converge(service(publishNotReadyAddresses=True), pods)
    assert sorted(e["targetRef"]["name"] for e in endpoints(published)) == ["a", "b"]


def test_left_out_pods_and_named_ports_per_pod() -> None:
    svc = service(ports=[{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"}])
    done = pod("d", "10.0.0.4", ports=[{"name": "web", "containerPort": 1}])
    done["status"]["phase"] = "Succeeded"
    pods = [pod("a", "10.0.0.1", ports=[{"name": "web", "containerPort": 8080}]),
            pod("b", "10.0.0.2", ports=[{"name": "web", "containerPort": 9090}]),
            pod("c", "10.0.0.3"),  # no port named web: a slice without ports, as Kubernetes
            pod("e", "", ports=[{"name": "web", "containerPort": 8080}]), done]
    slices = converge(svc, pods)
    got = sorted(([p["port"] for p in s["ports"]], [e["addresses"][0] for e in s["endpoints"]])
                 for s in slices.values())
    assert got == [([], ["10.0.0.3"]), ([8080], ["10.0.0.1"]), ([9090], ["10.0.0.2"])]


def test_unresolved_named_ports_are_reported() -> None:
    svc = service(ports=[{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"},
                         {"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"},
                         {"name": "num", "port": 81, "targetPort": 8081, "protocol": "TCP"}])
    pods = [pod("a", "10.0.0.1", ports=[{"name": "web", "containerPort": 8080}]),
            pod("b", "10.0.0.2", ports=[{"name": "dns", "containerPort": 53}])]  # TCP, not UDP
    assert unresolved_ports(svc, pods) == ["dns/UDP"]
    assert unresolved_ports(svc, []) == []  # nothing selected: nothing to say


def test_no_endpoints_keeps_one_placeholder_and_no_selector_is_left_alone() -> None:
    (s,) = converge(service(), []).values()
    assert s["endpoints"] == [] and s["ports"] == []
    slices = converge(service(), [pod("a", "10.0.0.1")], {s["metadata"]["name"]: s})
    assert list(slices) == [s["metadata"]["name"]], "the placeholder is recycled, not replaced"
    assert reconcile_slices(service(selector={}), [pod("a", "10.0.0.1")], [], {}) == []
    assert reconcile_slices(service(type="ExternalName"), [pod("a", "10.0.0.1")], [], NODES) == []


def test_service_gone_deletes_its_slices_and_a_new_one_of_the_name_does_not_reuse_them() -> None:
    slices = converge(service(), [pod("a", "10.0.0.1")])
    actions = reconcile_slices(None, [], list(slices.values()), NODES)
    assert [type(a) for a in actions] == [Delete] and apply(slices, actions) == {}
    again = service()
    again["metadata"]["uid"] = "uid-web-2"
    actions = reconcile_slices(again, [pod("a", "10.0.0.1")], list(slices.values()), NODES)
    assert sorted(type(a).__name__ for a in actions) == ["Create", "Delete"]


def test_packs_at_most_max_and_changes_only_the_slice_of_the_changed_pod() -> None:
    pods = [pod(f"p{i:03d}", f"10.0.{i // 250}.{i % 250 + 1}") for i in range(250)]
    slices = converge(service(), pods)
    assert sorted(len(s["endpoints"]) for s in slices.values()) == [50, 100, 100]
    pods[7]["status"]["conditions"][0]["status"] = "False"
    actions = reconcile_slices(service(), pods, list(slices.values()), NODES)
    assert [type(a) for a in actions] == [Update]
    assert any(e["targetRef"]["name"] == "p007" for e in slices[actions[0].obj["metadata"]["name"]]["endpoints"])
    # a new pod goes into the slice with room, not a new slice
    slices = apply(slices, actions)
    actions = reconcile_slices(service(), [*pods, pod("new", "10.9.9.9")], list(slices.values()), NODES)
    assert [type(a) for a in actions] == [Update] and len(actions[0].obj["endpoints"]) == 51


def test_restart_adopts_existing_slices() -> None:
    pods = [pod(f"p{i}", f"10.0.0.{i + 1}") for i in range(5)]
    slices = converge(service(), pods)
    # a fresh controller sees the same slices in its cache and writes nothing
    assert reconcile_slices(service(), pods, list(slices.values()), NODES) == []
    # a duplicate slice (an earlier crash) is emptied: the endpoint stays in exactly one
    dup = {**next(iter(slices.values())), "metadata": {**next(iter(slices.values()))["metadata"], "name": "web-dup"}}
    fixed = converge(service(), pods, {**slices, "web-dup": dup})
    assert sorted(e["targetRef"]["name"] for e in endpoints(fixed)) == [f"p{i}" for i in range(5)]


def test_zone_and_port_changes_rewrite_in_place() -> None:
    pods = [pod("a", "10.0.0.1")]
    slices = converge(service(), pods)
    actions = reconcile_slices(service(), pods, list(slices.values()), {"n1": "z"})
    assert [type(a) for a in actions] == [Update] and actions[0].obj["endpoints"][0]["zone"] == "z"
    svc = service(ports=[{"name": "http", "port": 80, "targetPort": 9000, "protocol": "TCP"}])
    actions = reconcile_slices(svc, pods, list(slices.values()), NODES)
    assert [type(a) for a in actions] == [Update], "an emptied slice is recycled for the new port list"
    assert actions[0].obj["ports"][0]["port"] == 9000


_labels = st.fixed_dictionaries({}, optional={"app": st.sampled_from("ab"), "tier": st.sampled_from("xy")})
_pods = st.lists(st.tuples(_labels, st.booleans(), st.booleans(), st.sampled_from([8080, 9090, None])),
                 max_size=60)
_services = st.lists(_labels.filter(bool), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(_pods, _services, st.integers(1, 7), _pods)
def test_every_matching_pod_in_exactly_one_slice(first, selectors, limit, second) -> None:
    def make(specs):
        out = []
        for i, (labels, ready, terminating, port) in enumerate(specs):
            extra = {"deletionTimestamp": "2026-01-01T00:00:00Z"} if terminating else {}
            ports = [{"name": "web", "containerPort": port}] if port else []
            out.append(pod(f"p{i}", f"10.1.{i // 200}.{i % 200 + 1}", ready=ready, labels=labels, ports=ports,
                           **extra))
        return out

    services = [service(f"s{j}", sel, [{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"}])
                for j, sel in enumerate(selectors)]
    state: dict[str, dict] = {}
    for pods in (make(first), make(second)):  # a second round starts from the first's slices
        for svc in services:
            sel = svc["spec"]["selector"]
            mine = {n: s for n, s in state.items() if s["metadata"]["labels"][SERVICE_NAME_LABEL] ==
                    svc["metadata"]["name"]}
            selected = [p for p in pods if all(p["metadata"]["labels"].get(k) == v for k, v in sel.items())]
            after = converge(svc, selected, mine, limit=limit)
            state = {**{n: s for n, s in state.items() if n not in mine}, **after}
            names = [e["targetRef"]["name"] for s in after.values() for e in s["endpoints"]]
            assert all(len(s["endpoints"]) <= limit for s in after.values())
            assert len(names) == len(set(names)), "an endpoint in two slices"
            expected = {p["metadata"]["name"] for p in selected}
            assert set(names) == expected
            ready = {p["metadata"]["name"] for p in selected if p["metadata"]["name"] in expected
                     and p["status"]["conditions"][0]["status"] == "True" and "deletionTimestamp" not in p["metadata"]}
            assert {e["targetRef"]["name"] for s in after.values() for e in s["endpoints"]
                    if e["conditions"]["ready"]} == ready
            assert len([s for s in after.values() if not s["endpoints"]]) <= 1
