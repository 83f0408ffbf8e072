"""The latency phase of `kube bench density`, as ClusterLoader2's density test has it.

Once the density pods are Running (the saturation phase: a backlog by design, so their
startup times say how long the queue was, not how fast a pod starts), `--latency-pods`
single-replica Deployments are created at `--latency-qps` into the full cluster, and
the pod startup SLO is judged on their pods: Kubernetes' "pod startup latency" is this
figure (sig-scalability's slos.md counts it for pods in a cluster at its size, not while
it is being filled). The density pods' startup is still reported, apart.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from kube.bench import density_workload as w
from kube.bench.density_metrics import ClientTimings
from kube.client.rest import RestClient


def layout(args: argparse.Namespace) -> list[tuple[str, str, int]]:
    """(namespace, Deployment, 1) for each latency pod, round-robin over the namespaces."""
    return [(w.namespace(i % args.namespaces), f"lat-{i}", 1) for i in range(args.latency_pods)]


async def latency(client: RestClient, args: argparse.Namespace, timings: ClientTimings, tracker: w.Tracker,
                  note) -> dict[str, Any]:
    plan = layout(args)
    if not plan:
        return {"pods": 0, "seconds": 0.0, "layout": []}
    note(f"latency: {len(plan)} single-pod Deployments at {args.latency_qps:g}/s into the full cluster")
    tracker.wanted.update({(ns, name): 1 for ns, name, _ in plan})
    calls = [(w.DEPLOYMENT, w.deployment(name, 1, group=w.LATENCY_GROUP), ns) for ns, name, _ in plan]
    t0, started = time.monotonic(), {}
    creating = asyncio.ensure_future(w.create_paced(client, timings, calls, args.latency_qps, started))
    deadline = t0 + len(plan) / args.latency_qps + 300
    while len(tracker.latency_startup) < len(plan) or not creating.done():
        if creating.done() and creating.exception():
            raise creating.exception()  # type: ignore[misc]
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(tracker.latency_startup)} of {len(plan)} latency pods Running in time")
        await asyncio.sleep(0.2)
    await creating
    return {"pods": len(plan), "seconds": round(time.monotonic() - t0, 2), "layout": plan}
