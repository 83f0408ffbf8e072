"""The objects and phases of `kube bench density`, in ClusterLoader2's density/load shape:
namespaces, each holding Deployments of a fixed size with a Service in front of each,
created at a fixed object rate; then a load phase of scaling, one rolling update,
deletions and reader traffic (list/get/watch), every call timed by the client."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from kube.api.registry import by_gvk, resolve
from kube.bench.density_metrics import ClientTimings
from kube.client.errors import GoneError
from kube.client.rest import RestClient
from kube.client.retry_watch import RetryWatch

DEPLOYMENT, SERVICE, NAMESPACE = by_gvk("apps", "v1", "Deployment"), resolve("services"), resolve("namespaces")
POD, NODE = resolve("pods"), resolve("nodes")
LATENCY_GROUP = "latency"


def namespace(i: int) -> str:
    return f"density-{i}"


def deployment(name: str, replicas: int, group: str = "density") -> dict[str, Any]:
    labels = {"app": name, "group": group}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [{
                         "name": "c", "image": "kube.local/busybox:1",
                         "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}


def service(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}


def plan(pods: int, per_deployment: int, namespaces: int) -> list[tuple[str, str, int]]:
    """(namespace, deployment, replicas) until `pods` are asked for, round-robin over namespaces."""
    out, left, i = [], pods, 0
    while left > 0:
        replicas = min(per_deployment, left)
        out.append((namespace(i % namespaces), f"dep-{i}", replicas))
        left -= replicas
        i += 1
    return out


@dataclass
class Tracker:
    """Pod startup, scheduling and Deployment pipeline times, from one cluster-wide pod watch."""

    first_seen: dict[str, float] = field(default_factory=dict)
    running_at: dict[str, float] = field(default_factory=dict)
    scheduled_at: dict[str, float] = field(default_factory=dict)  # spec.nodeName first seen
    startup: list[float] = field(default_factory=list)
    latency_startup: list[float] = field(default_factory=list)  # the latency phase's pods (group=latency)
    startup_points: list[tuple[float, float]] = field(default_factory=list)  # (Running seen, startup) of every pod
    running_by_app: dict[tuple[str, str], int] = field(default_factory=dict)
    app_complete: dict[tuple[str, str], float] = field(default_factory=dict)
    wanted: dict[tuple[str, str], int] = field(default_factory=dict)
    relists: int = 0  # the watch fell out of the window and the pods were listed again

    def observe(self, kind: str, pod: dict[str, Any]) -> None:
        meta = pod.get("metadata") or {}
        uid, now = meta.get("uid", ""), time.monotonic()
        if kind == "DELETED":
            return
        self.first_seen.setdefault(uid, now)
        if (pod.get("spec") or {}).get("nodeName"):
            self.scheduled_at.setdefault(uid, now)
        if (pod.get("status") or {}).get("phase") == "Running" and uid not in self.running_at \
                and not meta.get("deletionTimestamp"):
            self.running_at[uid] = now
            labels = meta.get("labels") or {}
            latency = labels.get("group") == LATENCY_GROUP
            took = now - self.first_seen[uid]
            (self.latency_startup if latency else self.startup).append(took)
            self.startup_points.append((now, took))
            app = (meta.get("namespace", ""), labels.get("app", ""))
            self.running_by_app[app] = self.running_by_app.get(app, 0) + 1
            if app in self.wanted and self.running_by_app[app] >= self.wanted[app]:
                self.app_complete.setdefault(app, now)

    async def follow(self, client: RestClient, resource_version: str) -> None:
        """Resumed across dropped and server-ended streams; after a 410 (this reader fell behind
        the watch window) the pods are listed and observed as they are then, so the run ends with
        late figures for what was missed rather than waiting forever (`relists` counts it)."""
        rv = resource_version
        while True:
            watch = RetryWatch(lambda v: client.watch(POD, None, resource_version=v, allow_bookmarks=True), rv)
            try:
                async with contextlib.aclosing(watch.events()) as events:
                    async for kind, obj in events:
                        if kind != "BOOKMARK":
                            self.observe(kind, obj)
            except GoneError:
                self.relists += 1
                page = await client.list_all(POD, None)
                for obj in page.get("items") or []:
                    self.observe("ADDED", obj)
                rv = str((page.get("metadata") or {}).get("resourceVersion", ""))


async def create_paced(client: RestClient, timings: ClientTimings, calls: list[tuple[Any, dict, str]],
                       qps: float, started: dict[tuple[str, str], float], concurrency: int = 32) -> None:
    """Every create issued at its slot (i / qps after the first), at most `concurrency` in flight."""
    slots, t0 = asyncio.Semaphore(concurrency), time.monotonic()

    async def one(i: int, kind: Any, obj: dict, ns: str) -> None:
        delay = t0 + i / qps - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        async with slots:
            if kind is DEPLOYMENT:
                started[(ns, obj["metadata"]["name"])] = time.monotonic()
            await timings.timed("create", kind.plural, "resource", client.create(kind, obj, ns))

    await asyncio.gather(*(one(i, *call) for i, call in enumerate(calls)))


async def reader(client: RestClient, timings: ClientTimings, namespaces: list[str], deps: list[tuple[str, str]],
                 until: float, index: int) -> None:
    """One client of the load phase: namespace lists, single gets, a cluster-scoped list now and then."""
    n = index
    while time.monotonic() < until:
        ns, name = deps[n % len(deps)]
        await timings.timed("get", "deployments", "resource", client.get(DEPLOYMENT, name, ns))
        await timings.timed("list", "pods", "namespace", client.list(POD, namespaces[n % len(namespaces)]))
        if n % 10 == index % 10:
            await timings.timed("list", "nodes", "cluster", client.list(NODE, None, limit=500))
            await timings.timed("list", "services", "cluster", client.list(SERVICE, None))
        n += 1
        await asyncio.sleep(0.05)


async def watcher(client: RestClient, until: float, counts: list[int]) -> None:
    """A reader's watch on Deployments cluster-wide, counting events until the phase ends."""
    async def follow() -> None:
        async with client.watch(DEPLOYMENT, None, allow_bookmarks=False) as stream:
            async for _kind, _obj in stream:
                counts[0] += 1

    try:
        await asyncio.wait_for(follow(), max(0.1, until - time.monotonic()))
    except TimeoutError:
        pass


async def churn(client: RestClient, timings: ClientTimings, deps: list[tuple[str, str, int]],
                until: float) -> dict[str, int]:
    """The load phase's writes: a few Deployments scaled up then down, one rolling update,
    a few deleted (with their Services), spread over the phase."""
    k = max(1, len(deps) // 10)
    scaled, rolled, deleted = deps[:k], deps[k:k + 1], deps[-k:] if len(deps) > 2 * k + 1 else []
    steps: list[Any] = []
    for ns, name, replicas in scaled:
        steps.append(("patch", ns, name, {"spec": {"replicas": replicas + max(1, replicas // 2)}}))
    for ns, name, _ in rolled:
        steps.append(("patch", ns, name, {"spec": {"template": {"metadata": {"annotations": {
            "density/rollout": str(time.time())}}}}}))
    for ns, name, replicas in scaled:
        steps.append(("patch", ns, name, {"spec": {"replicas": replicas}}))
    steps += [("delete", ns, name, None) for ns, name, _ in deleted]
    gap = max(0.0, until - time.monotonic()) / max(1, len(steps) + 1)
    for verb, ns, name, body in steps:
        await asyncio.sleep(gap)
        if verb == "patch":
            await timings.timed("patch", "deployments", "resource", client.patch(DEPLOYMENT, name, body, ns))
        else:
            await timings.timed("delete", "deployments", "resource", client.delete(
                DEPLOYMENT, name, ns, propagation_policy="Background"))
            await timings.timed("delete", "services", "resource", client.delete(SERVICE, name, ns))
    return {"scaled": len(scaled), "rolling_updates": len(rolled), "deleted": len(deleted)}
