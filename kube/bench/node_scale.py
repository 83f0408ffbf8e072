"""`kube bench node-scale`: the cluster holds N simulated nodes and M running pods.

Starts `kube apiserver` (embedded SQLite) and one `kube node --simulated --count N`
process, gives every node a podCIDR, creates M pods bound round-robin through
spec.nodeName, and waits (through a watch) until every one is Running. Reports the
time to all Running, the API server's resident memory (peak and at the end, from
/proc) against the 4 GiB target, and both processes' CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from kube.bench.node_cluster import POD, BenchCluster, assign_pod_cidrs, proc_stats, wait_nodes
from kube.bench.run_info import run_info

TARGET_RSS_MIB = 4096


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("node-scale", help="N simulated nodes holding M running pods: time, API server memory")
    p.add_argument("--nodes", type=int, default=5000)
    p.add_argument("--pods", type=int, default=50000)
    p.add_argument("--concurrency", type=int, default=64, help="pod creations in flight")
    p.add_argument("--workers", type=int, default=16, help="the node agent's pod-sync workers")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _pod(i: int, node: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"scale-{i}", "labels": {"bench": "scale", "app": f"app-{i % 100}"}},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "kube.local/busybox:1",
                                                       "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}


class RssSampler:
    """Peak resident memory of a process, sampled every second."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0

    async def run(self) -> None:
        while True:
            self.peak = max(self.peak, proc_stats(self.pid)[0])
            await asyncio.sleep(1.0)


async def measure(cluster: BenchCluster, args: argparse.Namespace, note) -> dict[str, Any]:
    client = cluster.client()
    agent = cluster.agents[0]
    sampler = RssSampler(cluster.api_pid())
    sampling = asyncio.ensure_future(sampler.run())
    try:
        started = time.monotonic()
        await wait_nodes(client, args.nodes, agent, cluster.workdir / "node.log", 600)
        registered = time.monotonic() - started
        note(f"{args.nodes} nodes registered in {registered:.1f}s")
        names = [f"node-{i}" for i in range(args.nodes)]
        await assign_pod_cidrs(client, names)
        rss_nodes = proc_stats(cluster.api_pid())[0]
        rv = (await client.list(POD, "default", limit=1))["metadata"]["resourceVersion"]
        running: set[str] = set()
        done = asyncio.Event()

        async def watch() -> None:
            async with client.watch(POD, "default", resource_version=rv, allow_bookmarks=False) as stream:
                async for _type, obj in stream:
                    if (obj.get("status") or {}).get("phase") == "Running":
                        running.add(obj["metadata"]["name"])
                        if len(running) >= args.pods:
                            done.set()
                            return

        watcher = asyncio.ensure_future(watch())
        api_cpu0, agent_cpu0 = proc_stats(cluster.api_pid())[1], proc_stats(agent.pid)[1]
        t0 = time.monotonic()
        queue = iter(range(args.pods))

        async def creator() -> None:
            for i in queue:
                await client.create(POD, _pod(i, names[i % len(names)]), "default")

        await asyncio.gather(*(creator() for _ in range(args.concurrency)))
        created = time.monotonic() - t0
        note(f"{args.pods} pods created in {created:.1f}s ({args.pods / created:.0f}/s); {len(running)} Running")
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), 10)
            except TimeoutError:
                note(f"{len(running)} Running after {time.monotonic() - t0:.0f}s")
                if agent.poll() is not None:
                    raise RuntimeError(f"kube node exited {agent.returncode}") from None
        all_running = time.monotonic() - t0
        watcher.cancel()
        api_rss, api_cpu = proc_stats(cluster.api_pid())
        agent_rss, agent_cpu = proc_stats(agent.pid)
        return {"nodes": args.nodes, "pods": args.pods, "registration_seconds": round(registered, 1),
                "create_seconds": round(created, 1), "all_running_seconds": round(all_running, 1),
                "apiserver_rss_mib_nodes_only": round(rss_nodes), "apiserver_rss_mib": round(api_rss),
                "apiserver_peak_rss_mib": round(max(sampler.peak, api_rss)),
                "apiserver_cpu_seconds": round(api_cpu - api_cpu0, 1),
                "agent_rss_mib": round(agent_rss), "agent_cpu_seconds": round(agent_cpu - agent_cpu0, 1),
                "under_4gib": max(sampler.peak, api_rss) < TARGET_RSS_MIB}
    finally:
        sampling.cancel()
        await client.close()


def run(args: argparse.Namespace) -> int:
    from kube.cli.main import CliError

    if args.nodes < 1 or args.pods < 1 or args.concurrency < 1:
        raise CliError("--nodes, --pods and --concurrency must be at least 1")
    workdir = Path(tempfile.mkdtemp(prefix="kube-bench-scale-"))
    cluster = BenchCluster(workdir)

    def note(message: str) -> None:
        if not args.json:
            print(message, flush=True)

    try:
        cluster.start_api()
        cluster.start_agent("--simulated", "--count", str(args.nodes), "--zones", "a,b,c",
                            "--workers", str(args.workers), "--max-pods", "110")
        result = asyncio.run(measure(cluster, args, note))
    finally:
        cluster.stop()
    result |= run_info()
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['nodes']} nodes, {result['pods']} pods Running {result['all_running_seconds']}s after the "
              f"first create; API server RSS {result['apiserver_rss_mib']} MiB (peak "
              f"{result['apiserver_peak_rss_mib']} MiB, target < {TARGET_RSS_MIB}), CPU "
              f"{result['apiserver_cpu_seconds']}s; agent RSS {result['agent_rss_mib']} MiB, CPU "
              f"{result['agent_cpu_seconds']}s")
    return 0 if result["under_4gib"] else 1
