"""Endpoints reconcile: ready/not-ready addresses, named and numbered target ports,
skipped pods, labels, create/update/delete."""

from __future__ import annotations

from kube.controllers import actions as A
from kube.controllers.endpoints import HEADLESS_LABEL, desired_subsets, reconcile_endpoints
from tests.controllers.workloads import pod


def service(selector: dict[str, str] | None, ports: list[dict] | None = None, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default", "labels": {"team": "a"}},
            "spec": {"selector": selector, "ports": ports if ports is not None else
                     [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}], **spec}}


def running(name: str, ip: str, ready: bool = True, ports: list[dict] | None = None, **meta) -> dict:
    p = pod(name, {"app": "web"}, status={"phase": "Running", "podIP": ip,
                                          "conditions": [{"type": "Ready", "status": str(ready)}]})
    p["metadata"]["uid"] = f"uid-{name}"
    p["metadata"].update(meta)
    p["spec"]["nodeName"] = "n1"
    if ports:
        p["spec"]["containers"][0]["ports"] = ports
    return p


def test_ready_and_not_ready_addresses_with_target_refs() -> None:
    pods = [running("b", "10.0.0.2"), running("a", "10.0.0.1"), running("c", "10.0.0.3", ready=False)]
    (subset,) = desired_subsets(service({"app": "web"}), pods)
    assert [a["ip"] for a in subset["addresses"]] == ["10.0.0.1", "10.0.0.2"]
    assert subset["notReadyAddresses"][0]["ip"] == "10.0.0.3"
    assert subset["addresses"][0]["targetRef"] == {"kind": "Pod", "namespace": "default", "name": "a",
                                                   "uid": "uid-a"}
    assert subset["addresses"][0]["nodeName"] == "n1"
    assert subset["ports"] == [{"port": 8080, "protocol": "TCP", "name": "http"}]


def test_publish_not_ready_addresses_puts_all_in_addresses() -> None:
    (subset,) = desired_subsets(service({"app": "web"}, publishNotReadyAddresses=True),
                                [running("c", "10.0.0.3", ready=False)])
    assert [a["ip"] for a in subset["addresses"]] == ["10.0.0.3"] and "notReadyAddresses" not in subset


def test_pods_without_ip_terminating_or_finished_are_left_out() -> None:
    no_ip = running("a", "")
    gone = running("b", "10.0.0.2", deletionTimestamp="2026-01-01T00:00:00Z")
    done = running("c", "10.0.0.3")
    done["status"]["phase"] = "Succeeded"
    assert desired_subsets(service({"app": "web"}), [no_ip, gone, done]) == []


def test_named_target_port_resolves_per_pod() -> None:
    svc = service({"app": "web"}, [{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"}])
    p1 = running("a", "10.0.0.1", ports=[{"name": "web", "containerPort": 8080, "protocol": "TCP"}])
    p2 = running("b", "10.0.0.2", ports=[{"name": "web", "containerPort": 9090, "protocol": "TCP"}])
    p3 = running("c", "10.0.0.3")  # no such named port: not an endpoint
    subsets = desired_subsets(svc, [p1, p2, p3])
    assert [(s["ports"][0]["port"], [a["ip"] for a in s["addresses"]]) for s in subsets] == [
        (8080, ["10.0.0.1"]), (9090, ["10.0.0.2"])]


def test_create_update_and_delete() -> None:
    svc = service({"app": "web"}, clusterIP="None")
    (create,) = reconcile_endpoints("default", "web", svc, [running("a", "10.0.0.1")], None)
    assert isinstance(create, A.Create)
    assert create.obj["metadata"]["labels"] == {"team": "a", HEADLESS_LABEL: ""}
    current = {**create.obj, "metadata": {**create.obj["metadata"], "resourceVersion": "5"}}
    assert reconcile_endpoints("default", "web", svc, [running("a", "10.0.0.1")], current) == []
    (update,) = reconcile_endpoints("default", "web", svc, [], current)
    assert isinstance(update, A.Update) and "subsets" not in update.obj
    assert update.obj["metadata"]["resourceVersion"] == "5"
    (delete,) = reconcile_endpoints("default", "web", None, [], current)
    assert isinstance(delete, A.Delete) and delete.name == "web"


def test_services_without_selector_are_not_managed() -> None:
    assert reconcile_endpoints("default", "web", service(None), [running("a", "10.0.0.1")], None) == []
