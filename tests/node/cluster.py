"""Helpers for node-agent tests: a client on the in-process API server, node IPAM's
job done by hand (the controller manager is not running), pods bound directly."""

from __future__ import annotations

from typing import Any

from kube.api.registry import resolve
from kube.client.rest import RestClient

POD, NODE, LEASE, EVENT = resolve("pods"), resolve("nodes"), resolve("leases"), resolve("events")


async def assign_pod_cidrs(client: RestClient, names: list[str], base: int = 0) -> dict[str, str]:
    """Give each node a /24 from 10.244.0.0/16, as node IPAM would."""
    cidrs = {}
    for i, name in enumerate(names):
        cidr = f"10.244.{base + i}.0/24"
        await client.patch(NODE, name, {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}})
        cidrs[name] = cidr
    return cidrs


def bound_pod(name: str, node: str, *, containers: int = 1, init: int = 0, grace: int | None = None,
              labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}},
        "spec": {"nodeName": node,
                 "containers": [{"name": f"c{i}", "image": "kube.local/busybox:1"} for i in range(containers)],
                 **spec}}
    if init:
        body["spec"]["initContainers"] = [{"name": f"init{i}", "image": "kube.local/busybox:1"} for i in range(init)]
    if grace is not None:
        body["spec"]["terminationGracePeriodSeconds"] = grace
    return body


def condition(obj: dict[str, Any], kind: str) -> str | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return cond.get("status")
    return None
