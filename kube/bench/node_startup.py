"""`kube bench node`: pod startup latency on one docker node (the kubelet's SLO figure).

Starts `kube apiserver` and one `kube node --runtime docker` as child processes, then
creates N pods bound to the node (spec.nodeName) at a fixed rate, image present, and
measures from each create request's start (client clock) to the Running status seen
through a watch. Kubernetes' SLO: p99 <= 5 s; this project's target is 2 s. Every
container and network the run made is removed at the end. The first pod (the node's
first container and pod network) is the cold start: its latency is reported apart,
with the percentiles of the pods after it; the SLO figures stay over every pod.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from kube.bench.figures import percentile
from kube.bench.node_cluster import NODE, POD, BenchCluster, wait_nodes
from kube.bench.run_info import run_info

IMAGE = "kube.local/busybox:1"
NODE_NAME = "bench-docker-0"
POD_CIDR = "10.244.240.0/24"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("node", help="pod create-to-Running latency on one docker node")
    p.add_argument("--pods", type=int, default=50, help="pods to create (default 50)")
    p.add_argument("--rate", type=float, default=2.0, help="pods created per second (default 2)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _pod(i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"startup-{i}", "labels": {"bench": "startup"}},
            "spec": {"nodeName": NODE_NAME, "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "c", "image": IMAGE, "imagePullPolicy": "Never",
                                     "command": ["sleep", "3600"]}]}}


STARTUP_TIMEOUT = 180.0


async def measure(cluster: BenchCluster, pods: int, rate: float) -> dict[str, Any]:
    client = cluster.client()
    try:
        await wait_nodes(client, 1, cluster.agents[0], cluster.workdir / "node.log", 60)
        await client.patch(NODE, NODE_NAME, {"spec": {"podCIDR": POD_CIDR, "podCIDRs": [POD_CIDR]}})
        await asyncio.sleep(1.0)  # the agent sees its podCIDR and makes the pod network
        created: dict[str, float] = {}
        running: dict[str, float] = {}
        rv = (await client.list(POD, "default", label_selector="bench=startup"))["metadata"]["resourceVersion"]
        done = asyncio.Event()

        async def watch() -> None:
            last = rv
            while True:  # a watch the server ends (its timeout) resumes from the last event seen
                async with client.watch(POD, "default", resource_version=last, label_selector="bench=startup") as stream:
                    async for _type, obj in stream:
                        last = obj["metadata"].get("resourceVersion") or last
                        name = obj["metadata"]["name"]
                        if (obj.get("status") or {}).get("phase") == "Running" and name not in running:
                            running[name] = time.time()
                            if len(running) == pods:
                                done.set()
                                return

        watcher = asyncio.ensure_future(watch())
        start = time.monotonic()
        creates = []
        for i in range(pods):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            created[f"startup-{i}"] = time.time()
            creates.append(asyncio.ensure_future(client.create(POD, _pod(i), "default")))
        await asyncio.gather(*creates)
        waiter = asyncio.ensure_future(done.wait())
        try:
            # the watcher ending early (its stream broke) must not read as a bare timeout
            await asyncio.wait({waiter, watcher}, timeout=STARTUP_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
            waiter.cancel()
        if not done.is_set():
            cause = "" if not watcher.done() or watcher.cancelled() or watcher.exception() is None \
                else f" (pod watch failed: {type(watcher.exception()).__name__}: {watcher.exception()})"
            raise RuntimeError(f"only {len(running)} of {pods} pods Running after {STARTUP_TIMEOUT:g}s{cause}")
        latencies = sorted(running[n] - created[n] for n in created)
        after_first = [running[n] - created[n] for n in created if n != "startup-0"]
        return {"pods": pods, "rate_per_second": rate, "p50_seconds": round(percentile(latencies, 50), 3),
                "p99_seconds": round(percentile(latencies, 99), 3), "max_seconds": round(latencies[-1], 3),
                "min_seconds": round(latencies[0], 3),
                "cold_start": {"time_to_first_pod_s": round(running["startup-0"] - created["startup-0"], 3)},
                "steady_p50_seconds": round(percentile(after_first, 50), 3),
                "steady_p99_seconds": round(percentile(after_first, 99), 3)}
    finally:
        await client.close()


def run(args: argparse.Namespace) -> int:
    from kube.cli.main import CliError
    from kube.node.containers_cleanup import remove_all_kube_containers

    if args.pods < 1 or args.rate <= 0:
        raise CliError("--pods must be at least 1 and --rate above 0")
    workdir = Path(tempfile.mkdtemp(prefix="kube-bench-node-"))
    cluster = BenchCluster(workdir)
    try:
        cluster.start_api()
        cluster.start_agent("--runtime", "docker", "--hostname-override", NODE_NAME, "--root-dir",
                            str(workdir / "node"), "--zone", "a")
        result = asyncio.run(measure(cluster, args.pods, args.rate))
    finally:
        cluster.stop()
        remove_all_kube_containers(str(workdir))
    result |= run_info()
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['pods']} pods at {result['rate_per_second']:g}/s on one docker node, create -> Running: "
              f"p50 {result['p50_seconds']:.2f}s  p99 {result['p99_seconds']:.2f}s  max {result['max_seconds']:.2f}s; "
              f"first pod {result['cold_start']['time_to_first_pod_s']:.2f}s, after it p50 "
              f"{result['steady_p50_seconds']:.2f}s p99 {result['steady_p99_seconds']:.2f}s")
    return 0
