"""`kube bench density`: Kubernetes' scalability SLOs measured in ClusterLoader2's shape.

Starts `kube apiserver` (embedded SQLite, or one etcd member on loopback), `kube
scheduler`, `kube controller-manager` and `kube node --simulated --count N`, all child
processes. Phases: setup (every node Ready; its cold-start time reported apart),
density (Deployments with a Service each, created at --qps, until --pods are Running),
latency (single-pod Deployments at --latency-qps into the full cluster, whose startup
the SLO judges: kube/bench/density_latency.py), load (--duration of scaling, a rolling
update, deletions and --clients readers), then teardown (the namespaces deleted). Figures and verdicts: kube/bench/density_report.py.
Pod startup is first seen by the watch -> Running seen by the watch (ClusterLoader2
counts from creationTimestamp, which has only second resolution here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kube.bench import density_workload as w
from kube.bench.api_server_process import ApiServerProcess
from kube.bench.density_flags import add_shape_arguments, check_shape
from kube.bench.density_latency import latency
from kube.bench.density_metrics import (
    ClientTimings,
    ProcessSampler,
    diff_histograms,
    gc_pauses,
    parse_histograms,
)
from kube.bench.density_report import figures, print_table
from kube.bench.density_series import collect
from kube.bench.figures import positive_int
from kube.bench.job_bench import _child
from kube.bench.node_cluster import BenchCluster, assign_pod_cidrs, wait_nodes
from kube.bench.progress import ProgressBar
from kube.bench.run_info import run_info
from kube.bench.store_flags import etcd_members, start_etcd
from kube.client.rest import RestClient

CONTROLLERS = "deployment,replicaset,endpoints,endpointslice,garbagecollector,namespace,serviceaccount"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("density", help="ClusterLoader2-shaped density and load run, judged by the SLOs")
    p.add_argument("--nodes", type=positive_int, default=100, help="simulated nodes")
    p.add_argument("--pods", type=positive_int, default=3000, help="pods Running at the end of the density phase")
    add_shape_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="DIR", help="latency, memory and throughput over time as PNGs, and "
                   "series.json (needs matplotlib)")
    p.set_defaults(func=run)


async def scrape(client: RestClient) -> str:
    return await client.request("GET", "/metrics", accept="text/plain")


async def _ready_nodes(client: RestClient) -> int:
    nodes = (await client.list_all(w.NODE, None, page_size=5000))["items"]
    return sum(any(c.get("type") == "Ready" and c.get("status") == "True"
                   for c in (n.get("status") or {}).get("conditions") or []) for n in nodes)


def _alive(cluster: BenchCluster) -> None:
    for proc in cluster.agents:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[-4:]} exited {proc.returncode}; logs in {cluster.workdir}")


async def setup(cluster: BenchCluster, client: RestClient, args: argparse.Namespace, t0: float) -> dict[str, Any]:
    await wait_nodes(client, args.nodes, cluster.agents[0], cluster.workdir / "node.log", 600)
    await assign_pod_cidrs(client, [f"node-{i}" for i in range(args.nodes)])
    deadline = time.monotonic() + 300
    while (ready := await _ready_nodes(client)) < args.nodes:
        _alive(cluster)
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {ready} of {args.nodes} nodes Ready")
        await asyncio.sleep(1.0)
    return {"cold_start_seconds": round(time.monotonic() - t0, 2), "nodes_ready": ready}


async def density(cluster: BenchCluster, client: RestClient, args: argparse.Namespace, timings: ClientTimings,
                  tracker: w.Tracker, note) -> dict[str, Any]:
    layout = w.plan(args.pods, args.pods_per_deployment, args.namespaces)
    tracker.wanted = {(ns, name): r for ns, name, r in layout}
    calls = [c for ns, name, r in layout
             for c in ((w.DEPLOYMENT, w.deployment(name, r), ns), (w.SERVICE, w.service(name), ns))]
    started: dict[tuple[str, str], float] = {}
    t0 = time.monotonic()
    creating = asyncio.ensure_future(w.create_paced(client, timings, calls, args.qps, started))
    bar = ProgressBar(args.pods, "density: pods Running", enabled=None if not args.json else False)
    last_note, deadline = t0, t0 + max(600.0, len(calls) / args.qps + args.pods / 5)
    while len(tracker.running_at) < args.pods:
        _alive(cluster)
        if creating.done() and creating.exception():
            raise creating.exception()  # type: ignore[misc]
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(tracker.running_at)} of {args.pods} pods Running in time")
        bar.update(len(tracker.running_at))
        if time.monotonic() - last_note > 10 and not bar.enabled:
            last_note = time.monotonic()
            note(f"density: {len(tracker.running_at)}/{args.pods} pods Running after {last_note - t0:.0f}s")
        await asyncio.sleep(0.2)
    await creating
    bar.close(len(tracker.running_at))
    done = time.monotonic()
    pipeline = [tracker.app_complete[k] - started[k] for k in started if k in tracker.app_complete]
    first, bound = min(started.values()), sorted(tracker.scheduled_at.values())
    return {"deployments": len(layout), "services": len(layout), "objects": len(calls),
            "seconds": round(done - t0, 2), "pods_per_second": round(args.pods / max(done - first, 1e-9), 1),
            "scheduled_pods_per_second": round(len(bound) / max(bound[-1] - bound[0], 1e-9), 1) if bound else 0.0,
            "pipeline_seconds": pipeline, "startup_seconds": list(tracker.startup),
            "watch_relists": tracker.relists, "layout": [(ns, name, r) for ns, name, r in layout]}


async def load(client: RestClient, args: argparse.Namespace, timings: ClientTimings,
               layout: list[tuple[str, str, int]], note) -> dict[str, Any]:
    note(f"load: {args.duration:g}s of scaling, a rolling update, deletions and {args.clients} readers")
    until = time.monotonic() + args.duration
    namespaces = sorted({ns for ns, _, _ in layout})
    deps = [(ns, name) for ns, name, _ in layout]
    events = [0]
    results = await asyncio.gather(
        w.churn(client, timings, layout, until),
        *(w.reader(client, timings, namespaces, deps, until, i) for i in range(args.clients)),
        *(w.watcher(client, until, events) for _ in range(args.clients)))
    return {**results[0], "watch_events": events[0], "client_errors": timings.errors}


async def teardown(client: RestClient, args: argparse.Namespace, layout: list[tuple[str, str, int]]) -> dict[str, Any]:
    """As ClusterLoader2: the Deployments and Services deleted, then the namespaces; timed
    until no density pod is left (at most 120 s plus 10 ms per pod, about 100 deletions a
    second: what is left is counted and reported)."""
    t0, slots = time.monotonic(), asyncio.Semaphore(16)

    async def one(kind: Any, ns: str, name: str) -> None:
        async with slots:
            try:
                await client.delete(kind, name, ns, propagation_policy="Background")
            except Exception:  # noqa: BLE001 - deleted in the load phase already
                pass

    await asyncio.gather(*(one(kind, ns, name) for ns, name, _ in layout for kind in (w.DEPLOYMENT, w.SERVICE)))
    deadline, left, selector = t0 + 120 + args.pods / 100, -1, "group in (density,latency)"
    while time.monotonic() < deadline:  # one pod asked for per poll: the count is read once, at the end
        if not (await client.list(w.POD, None, limit=1, label_selector=selector))["items"]:
            left = 0
            break
        await asyncio.sleep(1.0)
    if left:
        left = len((await client.list_all(w.POD, None, label_selector=selector, page_size=5000))["items"])
    for i in range(args.namespaces):
        await client.delete(w.NAMESPACE, w.namespace(i))
    return {"seconds": round(time.monotonic() - t0, 2), "pods_left": left}


async def measure(cluster: BenchCluster, args: argparse.Namespace, t0: float, note) -> dict[str, Any]:
    client = cluster.client()
    try:
        result: dict[str, Any] = {"setup": await setup(cluster, client, args, t0)}
        note(f"setup: {args.nodes} nodes Ready, cold start {result['setup']['cold_start_seconds']}s")
        for i in range(args.namespaces):
            await client.create(w.NAMESPACE, {"metadata": {"name": w.namespace(i)}})
        await asyncio.sleep(2.0)  # the controllers' caches see the namespaces
        sampler = ProcessSampler({"apiserver": cluster.api_pid(), **{name: p.pid for name, p in zip(
            ("node", "scheduler", "controller-manager"), cluster.agents, strict=True)}})
        sampling = asyncio.ensure_future(sampler.run())
        timings, tracker = ClientTimings(), w.Tracker()
        rv = (await client.list(w.POD, None, limit=1))["metadata"]["resourceVersion"]
        following = asyncio.ensure_future(tracker.follow(client, rv))
        before = await scrape(client)
        phases = {"setup_end": time.monotonic()}
        result["density"] = await density(cluster, client, args, timings, tracker, note)
        phases["density_end"] = time.monotonic()
        result["latency"] = await latency(client, args, timings, tracker, note)
        result["latency"]["startup_seconds"] = list(tracker.latency_startup)
        phases["latency_end"] = time.monotonic()
        mid = await scrape(client)
        result["load"] = await load(client, args, timings, result["density"]["layout"], note)
        phases["load_end"] = time.monotonic()
        after = await scrape(client)
        following.cancel()
        result["teardown"] = await teardown(client, args, result["density"]["layout"] + result["latency"]["layout"])
        sampling.cancel()
        result["processes"] = sampler.figures()
        hist = {k: parse_histograms(t) for k, t in (("before", before), ("mid", mid), ("after", after))}
        result["histograms"] = {"density": diff_histograms(hist["mid"], hist["before"]),
                                "load": diff_histograms(hist["after"], hist["mid"]),
                                "all": diff_histograms(hist["after"], hist["before"])}
        result["apiserver_gc_pauses"] = gc_pauses(after, before)
        result["client"] = timings.summary()
        result["series"] = collect(t0, phases, timings, sampler, tracker)
        return result
    finally:
        await client.close()


def store_bytes(workdir: Path, store: str) -> int:
    """The SQLite file and its WAL, or etcd's bbolt `db` files (its WAL is preallocated, 64 MiB a segment)."""
    paths = (workdir / "etcd").rglob("db") if store == "etcd" else workdir.glob("state.db*")
    return sum(p.stat().st_size for p in paths if p.is_file())


def plot_dir(path: str) -> None:
    """--plot's directory made before the run (and matplotlib found), or a one-line CLI error."""
    from kube.bench.throughput_plot import require_matplotlib
    from kube.cli.main import CliError

    require_matplotlib()
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--plot {path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    check_shape(args)
    args.etcd_members = etcd_members(args)
    if args.plot:
        plot_dir(args.plot)
    workdir = Path(tempfile.mkdtemp(prefix="kube-bench-density-"))
    cluster, etcd = BenchCluster(workdir), None

    def note(message: str) -> None:
        if not args.json:
            print(message, flush=True)

    t0 = time.monotonic()
    if args.store == "etcd":  # before the try: a member that cannot start is a one-line error, nothing to stop
        etcd = start_etcd(workdir / "etcd", args.etcd_members)
        cluster.api = ApiServerProcess(workdir, ["--etcd-servers", ",".join(etcd.endpoints)])
    try:
        cluster.start_api()
        cluster.start_agent("--simulated", "--count", str(args.nodes), "--zones", "a,b,c", "--max-pods", "110",
                            "--workers", str(args.workers))
        _child(cluster, "scheduler.log", "scheduler", "--no-leader-elect", "--secure-port", "0")
        _child(cluster, "controller-manager.log", "controller-manager", "--controllers", CONTROLLERS,
               "--no-leader-elect", "--port", "0")
        raw = asyncio.run(measure(cluster, args, t0, note))
    except BaseException:
        cluster.stop()
        if etcd is not None:
            etcd.stop()
        print(f"kube bench density: the processes' logs are in {workdir}", file=sys.stderr)
        raise
    cluster.stop()
    raw["store_bytes"] = store_bytes(workdir, args.store)
    if etcd is not None:
        etcd.stop()
    shutil.rmtree(workdir, ignore_errors=True)
    result = figures(args, raw) | run_info()
    if args.plot:
        from kube.bench.density_plot import write_plots

        store = args.store + (f" ({args.etcd_members} members)" if args.etcd_members else "")
        write_plots(raw["series"], Path(args.plot), f"density {args.nodes} nodes, {args.pods} pods, {store}")
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return 1 if any(v["pass"] is False for v in result["slo"]) else 0
