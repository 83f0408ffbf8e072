"""`kube bench api`: what the API server sustains over HTTPS, measured from outside.

    kube bench api --store sqlite --creates 5000 --gets 20000 --concurrency 64 --json
    kube bench api --store etcd --etcd-members 3

Starts its own `kube apiserver` (child process, free loopback port, generated PKI)
on a temporary SQLite file or on etcd members it starts on loopback, then drives
it from separate load-generator processes (api_load.py): creates/s (ConfigMaps),
gets/s, p50 of a list of 1,000 objects, and watch fan-out (how fast N events
reach every one of W watchers). `--json` prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from kube.bench.api_load import (
    Target,
    WorkerResult,
    configmap,
    run_in_processes,
    session,
    split,
)
from kube.bench.api_server_process import ApiServerFailed, ApiServerProcess
from kube.bench.figures import percentile, positive_int
from kube.bench.run_info import run_info
from kube.bench.store_flags import add_store_arguments, etcd_members, start_etcd
from kube.local.etcd_members import EtcdCluster

NAMESPACES = ("bench-create", "bench-list", "bench-watch")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("api", help="API server throughput over HTTPS (creates, gets, lists, watch fan-out)")
    add_store_arguments(p)
    p.add_argument("--creates", type=positive_int, default=5000, help="ConfigMaps created (timed)")
    p.add_argument("--gets", type=positive_int, default=20000, help="GETs of created ConfigMaps (timed)")
    p.add_argument("--list-objects", type=positive_int, default=1000, help="objects in the listed namespace")
    p.add_argument("--list-rounds", type=positive_int, default=20, help="lists timed (p50 reported)")
    p.add_argument("--watchers", type=positive_int, default=100)
    p.add_argument("--watch-events", type=positive_int, default=100, help="events every watcher must see")
    p.add_argument("--concurrency", type=positive_int, default=64, help="requests in flight, all processes together")
    p.add_argument("--processes", type=int, choices=(1, 2, 3, 4), default=2,
                   help="load-generator processes (2 gave the higher figures on a 2-core machine)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def rate(results: list[WorkerResult]) -> float:
    """Operations per second over the span from the first worker's start to the last one's finish."""
    span = max(r.finished for r in results) - min(r.started for r in results)
    return sum(r.done for r in results) / span if span > 0 else 0.0


async def _prepare(target: Target) -> None:
    async with session(target, 4) as s:
        for ns in NAMESPACES:
            body = orjson.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            async with s.post("/api/v1/namespaces", data=body, headers={"Content-Type": "application/json"}) as r:
                if r.status not in (201, 409):
                    raise RuntimeError(f"cannot create namespace {ns}: {r.status} {await r.text()}")


async def _list_revision(target: Target, namespace: str) -> str:
    async with session(target, 1) as s, s.get(f"/api/v1/namespaces/{namespace}/configmaps?limit=1") as resp:
        return str((await resp.json())["metadata"]["resourceVersion"])


async def _count(target: Target, namespace: str) -> int:
    async with session(target, 1) as s, s.get(f"/api/v1/namespaces/{namespace}/configmaps") as resp:
        return len((await resp.json())["items"])


async def _write_events(target: Target, namespace: str, count: int) -> None:
    headers = {"Content-Type": "application/json"}
    async with session(target, 8) as s:
        async def write(i: int) -> None:
            async with s.post(f"/api/v1/namespaces/{namespace}/configmaps", data=configmap(f"w-{i}"),
                              headers=headers) as resp:
                await resp.read()

        for start in range(0, count, 8):
            await asyncio.gather(*(write(i) for i in range(start, min(count, start + 8))))


def _errors(phase: str, results: list[WorkerResult], report: dict[str, Any]) -> None:
    failed = sum(r.errors for r in results)
    if failed:
        report.setdefault("errors", {})[phase] = failed
        report.setdefault("first_errors", {})[phase] = next(r.first_error for r in results if r.errors)


def measure(target: Target, args: argparse.Namespace, note: Any = lambda _m: None) -> dict[str, Any]:
    """Run the four phases against a running server; the report's figures (no run facts)."""
    procs, report = args.processes, {}
    asyncio.run(_prepare(target))
    note(f"filling bench-list with {args.list_objects} ConfigMaps")
    fill = [{"target": target, "namespace": "bench-list", "concurrency": max(1, args.concurrency // procs),
             "names": [f"l-{p}-{i}" for i in range(n)]} for p, n in enumerate(split(args.list_objects, procs))]
    _errors("fill", run_in_processes("create_configmaps", fill), report)

    note(f"creates: {args.creates} ConfigMaps, concurrency {args.concurrency}, {procs} process(es)")
    names = [[f"c-{p}-{i}" for i in range(n)] for p, n in enumerate(split(args.creates, procs))]
    per = split(args.concurrency, procs)
    created = run_in_processes("create_configmaps", [
        {"target": target, "namespace": "bench-create", "names": names[p], "concurrency": per[p]}
        for p in range(procs)])
    _errors("creates", created, report)
    report["creates_per_second"] = round(rate(created), 1)
    stored = asyncio.run(_count(target, "bench-create"))
    if stored != sum(r.done for r in created):  # the figure counts only objects the server really holds
        report.setdefault("errors", {})["creates_stored"] = f"{stored} stored, {sum(r.done for r in created)} acked"

    note(f"gets: {args.gets}")
    everything = [n for group in names for n in group]
    got = run_in_processes("get_configmaps", [
        {"target": target, "namespace": "bench-create", "names": everything, "count": n, "concurrency": per[p],
         "seed": p} for p, n in enumerate(split(args.gets, procs))])
    _errors("gets", got, report)
    report["gets_per_second"] = round(rate(got), 1)

    note(f"list of {args.list_objects}: {args.list_rounds} rounds")
    listed = run_in_processes("list_configmaps", [{"target": target, "namespace": "bench-list",
                                                   "rounds": args.list_rounds, "expect": args.list_objects}])
    _errors("list", listed, report)
    report["list_1000_ms"] = round(percentile(listed[0].samples, 50) * 1000, 2)
    report["list_p99_ms"] = round(percentile(listed[0].samples, 99) * 1000, 2)

    note(f"watch fan-out: {args.watchers} watchers x {args.watch_events} events")
    revision = asyncio.run(_list_revision(target, "bench-watch"))
    wrote: dict[str, float] = {}

    def writer() -> None:
        wrote["start"] = time.time()
        asyncio.run(_write_events(target, "bench-watch", args.watch_events))
        wrote["end"] = time.time()

    watched = run_in_processes("watch_configmaps", [
        {"target": target, "namespace": "bench-watch", "watchers": n, "events": args.watch_events,
         "resource_version": revision} for n in split(args.watchers, procs) if n], on_ready=writer)
    _errors("watch", watched, report)
    span = max(r.finished for r in watched) - wrote["start"]
    delivered = sum(r.done for r in watched)
    report["watch_fanout_seconds"] = round(span, 3)
    report["watch_write_seconds"] = round(wrote["end"] - wrote["start"], 3)
    # from the writer's last answer to the last watcher's last event (0 when they saw it first)
    report["watch_tail_ms"] = round(max(0.0, max(r.finished for r in watched) - wrote["end"]) * 1000, 1)
    report["watch_fanout_events_per_second"] = round(delivered / span, 1) if span > 0 else 0.0
    report["watch_events_delivered"] = delivered
    return report


def _start_store(args: argparse.Namespace, workdir: Path) -> tuple[list[str], EtcdCluster | None]:
    if args.store == "sqlite":
        return ["--store", f"sqlite:{workdir / 'state.db'}"], None
    cluster = start_etcd(workdir / "etcd", args.etcd_members)
    return ["--etcd-servers", ",".join(cluster.endpoints)], cluster


def run(args: argparse.Namespace) -> int:
    from kube.cli.main import CliError

    args.etcd_members = etcd_members(args)

    def note(message: str) -> None:
        if not args.json:
            print(f"... {message}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="kube-bench-api-") as tmp:
        workdir = Path(tmp)
        cluster = None
        server = None
        try:
            store_args, cluster = _start_store(args, workdir)
            server = ApiServerProcess(workdir, store_args, extra_args=["--max-requests-inflight", "4000"])
            note(f"starting kube apiserver on {args.store}")
            server.start()
            pki = server.pki
            target = Target(server.url, pki.ca_cert, pki.admin_cert, pki.admin_key)
            figures = measure(target, args, note)
        except ApiServerFailed as exc:
            raise CliError(str(exc).splitlines()[0]) from None
        finally:
            if server is not None:
                server.stop()
            if cluster is not None:
                cluster.stop()
    report = {**figures, "store": args.store, "members": args.etcd_members,
              "concurrency": args.concurrency, "processes": args.processes, "creates": args.creates,
              "gets": args.gets, "list_objects": args.list_objects, "watchers": args.watchers,
              "watch_events": args.watch_events, **run_info()}
    print(orjson.dumps(report).decode() if args.json else table(report))
    return 1 if report.get("errors") else 0


def table(r: dict[str, Any]) -> str:
    store = r["store"] + (f" ({r['members']} members)" if r["store"] == "etcd" else "")
    rows = [
        ("creates/s", f"{r['creates_per_second']:,.0f}", f"{r['creates']} ConfigMaps"),
        ("gets/s", f"{r['gets_per_second']:,.0f}", f"{r['gets']} GETs"),
        (f"list {r['list_objects']} (p50)", f"{r['list_1000_ms']:.1f} ms", f"p99 {r['list_p99_ms']:.1f} ms"),
        ("watch fan-out", f"{r['watch_fanout_events_per_second']:,.0f} ev/s",
         f"{r['watchers']} watchers x {r['watch_events']} events in {r['watch_fanout_seconds']:.2f} s"),
    ]
    lines = [f"kube bench api: store {store}, concurrency {r['concurrency']}, {r['processes']} generator process(es)",
             f"  {'':<18}{'':>14}"]
    lines = lines[:1] + [f"  {name:<18}{value:>14}   {detail}" for name, value, detail in rows]
    if r.get("errors"):
        lines.append(f"  errors: {r['errors']} first: {r.get('first_errors')}")
    lines.append(f"  commit {r['commit'][:12]}  python {r['python']}  cpu {r['cpu']}")
    return "\n".join(lines)
