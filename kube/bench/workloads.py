"""Benchmark clusters and pods in the manner of Kubernetes' scheduler_perf.

Nodes: 4 CPU, 32Gi, 110 pods, spread round-robin over zones (at least 3),
with the well-known zone and hostname labels. Pods: the pause image with
small requests (100m CPU, 500Mi, like scheduler_perf's pod-default), shaped
per workload.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"
WORKLOADS = ("basic", "spread", "preferred-spread", "node-affinity", "anti-affinity", "mixed")
IMAGE = "registry.k8s.io/pause:3.10"


def zones_for(nodes: int) -> int:
    return max(3, min(10, nodes // 100))


def make_node(i: int, zones: int) -> dict[str, Any]:
    name = f"node-{i}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {HOSTNAME: name, ZONE: f"zone-{i % zones}",
                                              "kubernetes.io/os": "linux"}},
        "spec": {},
        "status": {
            "capacity": {"cpu": "4", "memory": "32Gi", "pods": "110"},
            "allocatable": {"cpu": "4", "memory": "32Gi", "pods": "110"},
            "images": [{"names": [IMAGE], "sizeBytes": 300_000}],
        },
    }


def _pod(name: str, labels: dict[str, str], extra: dict[str, Any]) -> dict[str, Any]:
    spec = {"containers": [{"name": "pause", "image": IMAGE,
                            "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]}
    spec.update(extra)
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": labels},
            "spec": spec}


def _spread(when: str, app: str) -> dict[str, Any]:
    return {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": when,
                                           "labelSelector": {"matchLabels": {"app": app}}}]}


def _node_affinity(zones: int) -> dict[str, Any]:
    wanted = [f"zone-{z}" for z in range(max(1, zones // 2 + 1))]  # a subset of the zones
    return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": ZONE, "operator": "In", "values": wanted}]}]}}}}


def _anti(group: str) -> dict[str, Any]:
    return {"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"anti-group": group}}, "topologyKey": HOSTNAME}]}}}


def make_pod(workload: str, i: int, nodes: int, pods: int, zones: int) -> dict[str, Any]:
    name = f"pod-{i}"
    if workload == "mixed":
        workload = WORKLOADS[i % (len(WORKLOADS) - 1)]
    if workload == "basic":
        return _pod(name, {"app": "basic"}, {})
    if workload == "spread":
        return _pod(name, {"app": "spread"}, _spread("DoNotSchedule", "spread"))
    if workload == "preferred-spread":
        return _pod(name, {"app": "pspread"}, _spread("ScheduleAnyway", "pspread"))
    if workload == "node-affinity":
        return _pod(name, {"app": "affinity"}, _node_affinity(zones))
    if workload == "anti-affinity":
        group = f"g{i // max(1, min(nodes, pods))}"  # a group never has more pods than there are nodes
        return _pod(name, {"anti-group": group}, _anti(group))
    raise ValueError(workload)


def cluster(nodes: int) -> Iterator[dict[str, Any]]:
    zones = zones_for(nodes)
    return (make_node(i, zones) for i in range(nodes))


def pending_pods(workload: str, nodes: int, pods: int) -> Iterator[dict[str, Any]]:
    zones = zones_for(nodes)
    return (make_pod(workload, i, nodes, pods, zones) for i in range(pods))
