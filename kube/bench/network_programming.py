"""`kube bench network-programming`: from a pod turning Ready to its address in the proxy's
iptables rules (Kubernetes' network programming latency SLI; its SLO is p99 <= 30 s, the
target here 0.5 s).

Everything runs in a network namespace of its own (root needed; the host's tables are never
touched): `kube apiserver` (embedded SQLite), `kube controller-manager --controllers
endpointslice` and `kube proxy --mode iptables`, each a child process as operators start
them. The bench makes one Node, S Services and P pods bound to that Node (status written
directly: no node agent, so only the path under test is measured), all not Ready, waits for
the proxy to REJECT every Service, then flips pods Ready in batches of B and times each from
just before its status write to the moment `iptables-save` shows the DNAT to its address
(polled every few milliseconds). The path measured is the product's: status write ->
API server -> watch -> EndpointSlice controller -> slice write -> watch -> proxy sync ->
iptables-restore. The proxy's own kubeproxy_network_programming_duration_seconds (from the
slices' last-change-trigger-time) is reported beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from kube.api.meta import now_rfc3339
from kube.api.registry import resolve
from kube.bench import netns
from kube.bench.node_cluster import BenchCluster
from kube.bench.run_info import run_info
from kube.client.rest import RestClient

NODE, POD, SERVICE = resolve("nodes"), resolve("pods"), resolve("services")
TARGET_P99 = 0.5
NODE_NAME = "bench-node"
PROXY_PORT = 10256
POLL = 0.005


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("network-programming",
                              help="pod Ready -> its address in the proxy's iptables rules (p50/p99)")
    p.add_argument("--services", type=int, default=10)
    p.add_argument("--pods", type=int, default=100, help="pods, spread over the services; each is flipped once")
    p.add_argument("--batch", type=int, default=1, help="pods flipped Ready together")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def pod_ip(i: int) -> str:
    return f"10.244.{i // 250}.{i % 250 + 2}"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _nat_rules() -> str:
    return subprocess.run(["iptables-save", "-t", "nat"], capture_output=True, text=True, check=True).stdout


def _filter_rules() -> str:
    return subprocess.run(["iptables-save", "-t", "filter"], capture_output=True, text=True, check=True).stdout


def _ready_status(ip: str, ready: bool) -> dict[str, Any]:
    return {"status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "conditions": [
        {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": now_rfc3339()}]}}


async def _until(check, what: str, timeout: float, alive) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(0.1)


async def _setup(client: RestClient, services: int, pods: int) -> None:
    await client.create(NODE, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE_NAME}})
    slots = asyncio.Semaphore(16)

    async def service(i: int) -> None:
        async with slots:
            await client.create(SERVICE, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{i}"},
                                          "spec": {"selector": {"app": f"svc-{i}"},
                                                   "ports": [{"port": 80, "targetPort": 8080}]}}, "default")

    async def pod(i: int) -> None:
        async with slots:
            await client.create(POD, {"apiVersion": "v1", "kind": "Pod",
                                      "metadata": {"name": f"pod-{i}", "labels": {"app": f"svc-{i % services}"}},
                                      "spec": {"nodeName": NODE_NAME, "containers": [
                                          {"name": "c", "image": "kube.local/busybox:1",
                                           "ports": [{"containerPort": 8080}]}]}}, "default")
            await client.patch(POD, f"pod-{i}", _ready_status(pod_ip(i), False), "default", subresource="status")

    await asyncio.gather(*(service(i) for i in range(services)))
    await asyncio.gather(*(pod(i) for i in range(pods)))


async def _flip(client: RestClient, i: int, began: dict[int, float]) -> None:
    began[i] = time.time()
    await client.patch(POD, f"pod-{i}", _ready_status(pod_ip(i), True), "default", subresource="status")


async def _proxy_histogram() -> tuple[float, float]:
    """(count, sum) of the proxy's kubeproxy_network_programming_duration_seconds."""
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{PROXY_PORT}/metrics") as r:
        text = await r.text()
    count = total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "kubeproxy_network_programming_duration_seconds_count":
                count = s.value
            elif s.name == "kubeproxy_network_programming_duration_seconds_sum":
                total = s.value
    return count, total


async def measure(cluster: BenchCluster, args: argparse.Namespace, note) -> dict[str, Any]:
    client = cluster.client()

    def alive() -> None:
        for proc in cluster.agents:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(map(str, proc.args[-8:]))} exited {proc.returncode}")

    try:
        await _setup(client, args.services, args.pods)
        await _until(lambda: _filter_rules().count("has no endpoints") >= args.services,
                     "the proxy to reject every service", 120, alive)
        note(f"{args.services} services, {args.pods} pods not Ready; flipping in batches of {args.batch}")
        latencies: list[float] = []
        for start in range(0, args.pods, args.batch):
            batch = list(range(start, min(start + args.batch, args.pods)))
            began: dict[int, float] = {}

            await asyncio.gather(*(_flip(client, i, began) for i in batch))
            waiting = set(batch)
            deadline = time.monotonic() + 30
            while waiting:
                rules, seen = await asyncio.to_thread(_nat_rules), time.time()
                for i in [i for i in waiting if f"--to-destination {pod_ip(i)}:8080" in rules]:
                    latencies.append(seen - began[i])
                    waiting.discard(i)
                if time.monotonic() > deadline:
                    alive()
                    raise RuntimeError(f"pods {sorted(waiting)} not in the rules after 30s")
                if waiting:
                    await asyncio.sleep(POLL)
        count, total = await _proxy_histogram()
        p99 = _percentile(latencies, 0.99)
        return {"mode": "iptables", "services": args.services, "pods": args.pods, "batch": args.batch,
                "samples": len(latencies), "p50_seconds": round(_percentile(latencies, 0.5), 4),
                "p99_seconds": round(p99, 4), "max_seconds": round(max(latencies), 4),
                "proxy_histogram_count": int(count),
                "proxy_histogram_mean_seconds": round(total / count, 4) if count else None,
                "target_p99_seconds": TARGET_P99, "meets_target": p99 <= TARGET_P99}
    finally:
        await client.close()


def _child(cluster: BenchCluster, log_name: str, *argv: str) -> None:
    setpriv = shutil.which("setpriv")
    prefix = [setpriv, "--pdeathsig", "TERM"] if setpriv else []
    with (cluster.workdir / log_name).open("ab") as log:
        cluster.agents.append(subprocess.Popen(
            [*prefix, sys.executable, "-m", "kube", *argv, "--kubeconfig", str(cluster.kubeconfig)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))


def run(args: argparse.Namespace) -> int:
    from kube.cli.main import CliError
    from kube.proxy.iptables_executor import iptables_usable

    if args.services < 1 or args.pods < 1 or args.batch < 1:
        raise CliError("--services, --pods and --batch must be at least 1")
    if os.geteuid() != 0:
        raise CliError("network-programming needs root: it runs the iptables proxy in a network namespace")
    if (why := iptables_usable()) is not None:
        raise CliError(f"iptables unusable here: {why}")
    name = f"kpx-bench-{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="kube-bench-netprog-"))
    netns.create(name)
    netns.enter(name)  # this process and every child it starts from here on live in the namespace
    cluster = BenchCluster(workdir)

    def note(message: str) -> None:
        if not args.json:
            print(message, flush=True)

    try:
        cluster.start_api()
        _child(cluster, "controller-manager.log", "controller-manager", "--controllers", "endpointslice",
               "--no-leader-elect", "--port", "0")
        _child(cluster, "proxy.log", "proxy", "--mode", "iptables", "--hostname-override", NODE_NAME,
               "--port", str(PROXY_PORT), "--bind-address", "127.0.0.1")
        result = asyncio.run(measure(cluster, args, note))
    except BaseException:
        cluster.stop()
        netns.delete(name)
        print(f"kube bench network-programming: the processes' logs are in {workdir}", file=sys.stderr)
        raise
    cluster.stop()
    netns.delete(name)
    shutil.rmtree(workdir, ignore_errors=True)
    result |= run_info()
    if args.json:
        print(json.dumps(result))
    else:
        print(f"network programming latency, {result['samples']} pods over {result['services']} services "
              f"(batches of {result['batch']}): p50 {result['p50_seconds']}s, p99 {result['p99_seconds']}s, "
              f"max {result['max_seconds']}s (target p99 <= {TARGET_P99}s); the proxy's own histogram: "
              f"{result['proxy_histogram_count']} observations, mean {result['proxy_histogram_mean_seconds']}s")
    return 0 if result["meets_target"] else 1
