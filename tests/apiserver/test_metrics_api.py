"""metrics.k8s.io/v1beta1 on the in-process API server: discovery, Statuses for bad paths,
verbs and selectors, a node agent that does not answer left out (never a 500), and the
metrics objects built from a Summary (kubectl top against real agents: tests/e2e)."""

from __future__ import annotations

import socket

from kube.apiserver.metrics_api.handler import node_metrics, pod_metrics
from tests.apiserver.conftest import Api

BASE = "/apis/metrics.k8s.io/v1beta1"


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


async def test_discovery_has_the_group_and_its_resources(api: Api) -> None:
    _, apis = await api.get("/apis")
    assert "metrics.k8s.io" in [g["name"] for g in apis["groups"]]
    status, group = await api.get("/apis/metrics.k8s.io")
    assert status == 200 and group["preferredVersion"]["groupVersion"] == "metrics.k8s.io/v1beta1"
    _, resources = await api.get(BASE)
    by_name = {r["name"]: r for r in resources["resources"]}
    assert by_name["nodes"]["kind"] == "NodeMetrics" and by_name["nodes"]["namespaced"] is False
    assert by_name["pods"]["kind"] == "PodMetrics" and by_name["pods"]["verbs"] == ["get", "list"]


async def test_bad_requests_are_statuses(api: Api) -> None:
    for path in (f"{BASE}/deployments", f"{BASE}/namespaces/default/nodes", f"{BASE}/nodes/a/b"):
        status, body = await api.get(path)
        assert status == 404 and body["kind"] == "Status" and body["reason"] == "NotFound", (path, body)
    status, body = await api.post(f"{BASE}/nodes", {})
    assert status == 405 and body["reason"] == "MethodNotAllowed"
    status, body = await api.get(f"{BASE}/nodes?labelSelector=a%20b%20c")
    assert status == 400 and "unable to parse" in body["message"]
    status, body = await api.get(f"{BASE}/nodes/absent")
    assert status == 404 and body["details"]["group"] == "metrics.k8s.io"


async def test_a_node_that_does_not_answer_is_left_out(api: Api) -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "gone"}}
    status, _ = await api.post("/api/v1/nodes", node)
    assert status == 201
    status, body = await api.call("PATCH", "/api/v1/nodes/gone/status", {"status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": dead_port()}}}},
        content_type="application/merge-patch+json")
    assert status == 200, body
    status, body = await api.get(f"{BASE}/nodes")
    assert status == 200 and body["kind"] == "NodeMetricsList" and body["items"] == []
    status, body = await api.get(f"{BASE}/nodes/gone")
    assert status == 404
    status, body = await api.get(f"{BASE}/namespaces/default/pods")
    assert status == 200 and body["items"] == []


def test_metrics_objects_from_a_summary() -> None:
    stats = {"cpu": {"time": "2026-01-01T00:00:00Z", "usageNanoCores": 987654321, "windowSeconds": 1.25},
             "memory": {"workingSetBytes": 10 * 1024 * 1024}}
    node = node_metrics({"metadata": {"name": "n1", "labels": {"zone": "a"}}}, {"node": stats})
    assert node["usage"] == {"cpu": "987654321n", "memory": "10240Ki"}
    assert node["window"] == "1.250s" and node["timestamp"] == "2026-01-01T00:00:00Z"
    assert node["metadata"]["labels"] == {"zone": "a"}
    pod = pod_metrics({"metadata": {"name": "p", "namespace": "ns"}},
                      {**stats, "containers": [{"name": "c", **stats}]})
    assert pod["metadata"]["namespace"] == "ns" and pod["containers"] == [
        {"name": "c", "usage": {"cpu": "987654321n", "memory": "10240Ki"}}]
