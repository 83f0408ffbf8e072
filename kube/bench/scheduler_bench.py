"""`kube bench scheduler`: scheduling throughput and latency, scheduler_perf style.

    kube bench scheduler --nodes 5000 --pods 10000 --workload basic --engine cython --json

Prints pods/s, p50/p99 per-pod attempt latency, nodes scored per pod and the
scheduled / unschedulable counts; `--json` prints one JSON object with the
run's facts (commit, Python, Cython, CPU). `--plot` draws throughput over
time (needs matplotlib).
"""

from __future__ import annotations

import argparse
import sys

import orjson

from kube.bench.figures import percentile, positive_int
from kube.bench.progress import ProgressBar
from kube.bench.run_info import run_info
from kube.bench.workloads import WORKLOADS


def register(subparsers) -> None:
    p = subparsers.add_parser("scheduler", help="scheduling throughput (scheduler_perf-like workloads)")
    p.add_argument("--nodes", type=positive_int, default=5000)
    p.add_argument("--pods", type=positive_int, default=10000)
    p.add_argument("--workload", choices=WORKLOADS, default="basic")
    p.add_argument("--engine", choices=("cython", "python"), default="cython")
    p.add_argument("--mode", choices=("algorithm", "api"), default="algorithm")
    p.add_argument("--store", choices=("sqlite", "etcd"), default="sqlite",
                   help="api mode: the API server's store")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="FILE.png", help="draw throughput over time (needs matplotlib)")
    p.add_argument("--seed", type=int, default=1, help="tie-break seed (runs are reproducible)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=run)


def summarize(args: argparse.Namespace, raw: dict) -> dict:
    elapsed = raw["elapsed"]
    attempts = max(1, raw["attempts"])
    out = {
        "workload": args.workload,
        "mode": args.mode,
        "engine": raw["engine"],
        "nodes": args.nodes,
        "pods": args.pods,
        "scheduled": raw["scheduled"],
        "unschedulable": raw["unschedulable"],
        "attempts": raw["attempts"],
        "duration_s": round(elapsed, 4),
        "pods_per_second": round(raw["scheduled"] / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(raw["latencies"], 50) * 1000, 4),
        "p99_ms": round(percentile(raw["latencies"], 99) * 1000, 4),
        "cpu_seconds": round(raw.get("cpu_seconds", 0.0), 4),
        "pods_per_cpu_second": round(raw["scheduled"] / raw["cpu_seconds"], 1) if raw.get("cpu_seconds") else 0.0,
        "nodes_scored_per_pod": round(raw["feasible_total"] / attempts, 1),
        "nodes_filtered_per_pod": args.nodes,
        "seed": args.seed,
    }
    if args.mode == "api":
        out["store"] = args.store
        # the scheduler's own CPU is cpu_seconds; the API server's (and etcd's) is spent for it too
        out["server_cpu_seconds"] = round(raw.get("server_cpu_seconds", 0.0), 4)
        out["decided_s"] = round(raw.get("decided_s", 0.0), 4)  # when the last pod was placed (binds follow)
    out.update(run_info())
    return out


def run(args: argparse.Namespace) -> int:
    from kube.cli.main import CliError

    if args.plot:
        from kube.bench.throughput_plot import require_matplotlib

        require_matplotlib()
    if args.engine == "cython":
        from kube._fast import load

        try:
            load("score", "cython")
        except ImportError:
            raise CliError("the cython engine is not built: run `python setup.py build_ext --inplace` "
                           "or use --engine python") from None
    bar = ProgressBar(args.pods, f"{args.workload} {args.engine}",
                      enabled=False if args.no_progress else None)
    if args.mode == "algorithm":
        from kube.bench.scheduler_algorithm import run_algorithm

        raw = run_algorithm(args.nodes, args.pods, args.workload, args.engine, args.seed, bar.update)
    else:
        from kube.bench.scheduler_api import run_api

        raw = run_api(args.nodes, args.pods, args.workload, args.engine, args.seed, args.store, bar.update)
    bar.close(raw["attempts"])
    result = summarize(args, raw)
    if args.plot:
        from kube.bench.throughput_plot import plot_throughput

        where = f"{args.mode} mode" + (f", {args.store}" if args.mode == "api" else "")
        plot_throughput(raw["timeline"], args.plot, f"kube bench scheduler: {args.workload}, {args.nodes} nodes, "
                        f"{args.pods} pods, {result['engine']}, {where}")
    if args.json:
        sys.stdout.write(orjson.dumps(result).decode() + "\n")
    else:
        print(f"workload {result['workload']} ({result['mode']}, {result['engine']}): "
              f"{result['nodes']} nodes, {result['pods']} pods")
        print(f"  throughput     {result['pods_per_second']:,.1f} pods/s ({result['duration_s']} s; "
              f"{result['pods_per_cpu_second']:,.1f} per CPU-second)")
        print(f"  latency        p50 {result['p50_ms']:.3f} ms, p99 {result['p99_ms']:.3f} ms per pod")
        print(f"  nodes scored   {result['nodes_scored_per_pod']:,.1f} per pod (of {result['nodes']} filtered)")
        print(f"  scheduled      {result['scheduled']}, unschedulable {result['unschedulable']}")
        print(f"  commit {result['commit'][:12]}, python {result['python']}, cython {result['cython']}, "
              f"cpu {result['cpu']}")
    return 0
