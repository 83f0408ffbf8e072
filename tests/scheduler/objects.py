"""Small builders for Node and Pod objects in scheduler tests."""

from __future__ import annotations

from typing import Any

from kube.scheduler.scheduler import Scheduler

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"


def node(name: str, cpu: str = "4", memory: str = "32Gi", pods: int = 110, labels: dict | None = None,
         taints: list | None = None, unschedulable: bool = False, images: list | None = None,
         zone: str | None = None) -> dict[str, Any]:
    lab = {HOST: name, **({ZONE: zone} if zone else {}), **(labels or {})}
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    alloc = {"cpu": cpu, "memory": memory, "pods": str(pods)}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": lab}, "spec": spec,
            "status": {"allocatable": alloc, "capacity": alloc, "images": images or []}}


def pod(name: str, cpu: str | None = "100m", memory: str | None = None, labels: dict | None = None,
        namespace: str = "default", node_name: str | None = None, image: str = "busybox",
        **spec: Any) -> dict[str, Any]:
    req = {}
    if cpu:
        req["cpu"] = cpu
    if memory:
        req["memory"] = memory
    s: dict[str, Any] = {"containers": [{"name": "c", "image": image, "resources": {"requests": req}}], **spec}
    if node_name:
        s["nodeName"] = node_name
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{namespace}-{name}",
                         "labels": labels or {}},
            "spec": s}


def schedule_all(nodes: list[dict], pods: list[dict], engine: str = "auto", **kw: Any) -> Scheduler:
    """A scheduler with `nodes`, after trying every pod once; bindings in `.binder.bound`."""
    s = Scheduler(engine=engine, **kw)
    for n in nodes:
        s.on_node_add(n)
    for p in pods:
        s.on_pod_add(p)
        s.run_until_idle()  # one at a time: each sees the ones before it
    return s


def anti_affinity(selector: dict, key: str = HOST) -> dict:
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": selector}, "topologyKey": key}]}}


def pod_affinity(selector: dict, key: str = ZONE) -> dict:
    return {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": selector}, "topologyKey": key}]}}


def spread(selector: dict, key: str = ZONE, skew: int = 1, when: str = "DoNotSchedule", **kw: Any) -> list:
    return [{"maxSkew": skew, "topologyKey": key, "whenUnsatisfiable": when,
             "labelSelector": {"matchLabels": selector}, **kw}]
