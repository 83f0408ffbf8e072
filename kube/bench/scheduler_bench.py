"""`kube bench scheduler`: scheduling throughput and latency, scheduler_perf style.

    kube bench scheduler --nodes 5000 --pods 10000 --workload basic --engine cython --json

Prints pods/s, p50/p99 per-pod attempt latency, nodes scored per pod and the
scheduled / unschedulable counts; `--json` prints one JSON object with the
run's facts (commit, Python, Cython, CPU). The cold start (clock start -> first
pod bound, by phase) is reported apart: pods/s, pods per CPU-second and the
latencies are the steady window's (first pod bound -> last), with the whole
run's rate kept as `pods_per_second_including_cold_start`. `--plot` draws
throughput over time (needs matplotlib) and marks the first pod.
"""

from __future__ import annotations

import argparse
import sys

import orjson

from kube.bench.cold_start import steady_rate
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
    """The report from a run's raw facts; rates and latencies over the steady window only."""
    elapsed, first, scheduled = raw["elapsed"], raw["first_pod_s"], raw["scheduled"]
    attempts = max(1, raw["attempts"])
    steady = raw["latencies"][raw["cold_attempts"]:]
    steady_cpu = raw.get("cpu_seconds", 0.0) - raw.get("first_pod_cpu_s", 0.0)
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
        "steady_s": round(elapsed - first, 4) if first is not None else 0.0,
        "pods_per_second": round(steady_rate(scheduled, elapsed, first), 1),
        "pods_per_second_including_cold_start": round(scheduled / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(steady, 50) * 1000, 4),
        "p99_ms": round(percentile(steady, 99) * 1000, 4),
        "cpu_seconds": round(raw.get("cpu_seconds", 0.0), 4),
        "pods_per_cpu_second": round((scheduled - 1) / steady_cpu, 1) if scheduled > 1 and steady_cpu > 0 else 0.0,
        "cold_start": {**raw["cold_start"], "cpu_s": round(raw.get("first_pod_cpu_s", 0.0), 4)},  # this process's
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
                        f"{args.pods} pods, {result['engine']}, {where}", first_pod=raw["first_pod_s"])
    if args.json:
        sys.stdout.write(orjson.dumps(result).decode() + "\n")
    else:
        print(f"workload {result['workload']} ({result['mode']}, {result['engine']}): "
              f"{result['nodes']} nodes, {result['pods']} pods")
        cold = result["cold_start"]
        ttfp = cold["time_to_first_pod_s"]
        print(f"  cold start     first pod bound after {'-' if ttfp is None else f'{ttfp:.4f} s'}: "
              + ", ".join(f"{name} {s:.4f}" for name, s in cold["phases"].items() if s)
              + (f", other {cold['other_s']:.4f}" if cold["other_s"] else ""))
        print(f"  throughput     {result['pods_per_second']:,.1f} pods/s steady ({result['steady_s']} s; "
              f"{result['pods_per_cpu_second']:,.1f} per CPU-second); "
              f"{result['pods_per_second_including_cold_start']:,.1f} including the cold start "
              f"({result['duration_s']} s)")
        print(f"  latency        p50 {result['p50_ms']:.3f} ms, p99 {result['p99_ms']:.3f} ms per pod (steady)")
        print(f"  nodes scored   {result['nodes_scored_per_pod']:,.1f} per pod (of {result['nodes']} filtered)")
        print(f"  scheduled      {result['scheduled']}, unschedulable {result['unschedulable']}")
        print(f"  commit {result['commit'][:12]}, python {result['python']}, cython {result['cython']}, "
              f"cpu {result['cpu']}")
    return 0
