"""`kube bench sweep --nodes 500,1000,2000`: the density run at each cluster size in turn,
one table of how each cost grows, and its growth exponent fitted (kube/bench/power_fit.py).

Each size is a child `kube bench density --json` with the same shape flags (pods = nodes x
--pods-per-node, or --pods given per size): the density run has one home, and a fresh set
of processes per size keeps one run's memory out of the next one's RSS figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kube.bench.density_flags import add_shape_arguments, check_shape, shape_argv
from kube.bench.figures import positive_int
from kube.bench.run_info import run_info
from kube.bench.store_flags import etcd_members
from kube.bench.sweep_report import fits, print_table, row, verdicts


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("sweep", help="the density run at several cluster sizes, with growth exponents")
    p.add_argument("--nodes", required=True, metavar="N,N,...", help="cluster sizes, ascending (at least two)")
    sizing = p.add_mutually_exclusive_group()
    sizing.add_argument("--pods-per-node", type=positive_int, default=30, help="pods = nodes x this")
    sizing.add_argument("--pods", metavar="P,P,...", help="pods per size instead, as many as --nodes")
    add_shape_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object: every run and the fits")
    p.add_argument("--plot", metavar="DIR", help="sweep.png, and each run's density plots (needs matplotlib)")
    p.set_defaults(func=run)


def sizes(flag: str, text: str) -> list[int]:
    """An ascending list of at least two distinct whole numbers above zero, or a CLI error."""
    from kube.cli.main import CliError

    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise CliError(f"{flag} wants whole numbers separated by commas, not {text!r}") from None
    if any(v < 1 for v in values):
        raise CliError(f"{flag}: every size must be at least 1, not {text!r}")
    if len(values) < 2:
        raise CliError(f"{flag}: a growth exponent needs at least two sizes, not {text!r}")
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise CliError(f"{flag}: sizes must be ascending without repeats, not {text!r}")
    return values


def plan(args: argparse.Namespace) -> list[tuple[int, int]]:
    """(nodes, pods) per run, checked before anything starts."""
    from kube.cli.main import CliError

    nodes = sizes("--nodes", args.nodes)
    if args.pods is None:
        return [(n, n * args.pods_per_node) for n in nodes]
    pods = sizes("--pods", args.pods)
    if len(pods) != len(nodes):
        raise CliError(f"--pods has {len(pods)} sizes and --nodes {len(nodes)}: give one pod count per size")
    return list(zip(nodes, pods, strict=True))


def density(args: argparse.Namespace, nodes: int, pods: int) -> dict[str, Any]:
    """One child density run's JSON; its exit 1 (an SLO missed) still has figures."""
    from kube.cli.main import CliError

    argv = [sys.executable, "-m", "kube", "bench", "density", "--nodes", str(nodes), "--pods", str(pods),
            *shape_argv(args), "--json"]
    if args.plot:
        argv += ["--plot", str(Path(args.plot) / f"density-{nodes}")]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, text=True)  # stderr: the child's own errors, as they come
    lines = proc.stdout.strip().splitlines()
    if proc.returncode not in (0, 1) or not lines:
        raise CliError(f"the density run at {nodes} nodes failed (exit {proc.returncode}); its error is above")
    if args.plot:  # beside its plots, so a sweep stopped half-way keeps the runs it finished
        (Path(args.plot) / f"density-{nodes}" / "result.json").write_text(lines[-1])
    return json.loads(lines[-1])


def run(args: argparse.Namespace) -> int:
    check_shape(args)
    etcd_members(args)
    runs = plan(args)
    if args.plot:
        from kube.bench.density_run import plot_dir

        plot_dir(args.plot)
    results = []
    for i, (nodes, pods) in enumerate(runs, 1):
        print(f"sweep {i}/{len(runs)}: {nodes} nodes, {pods} pods ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        results.append(density(args, nodes, pods))
        r = row(results[-1])
        print(f"sweep {i}/{len(runs)}: done in {time.monotonic() - started:.0f}s, apiserver RSS "
              f"{r['apiserver_rss_mib']} MiB, pod startup p99 {r['pod_startup_p99_s']}s", file=sys.stderr, flush=True)
    rows = [row(r) for r in results]
    fitted = fits(rows)
    report = {"config": {"sizes": [{"nodes": n, "pods": p} for n, p in runs], "store": args.store,
                         "etcd_members": results[0]["etcd_members"], "shape": shape_argv(args)},
              "rows": rows, "fits": fitted, "verdicts": verdicts(fitted), "runs": results, **run_info()}
    if args.plot:
        from kube.bench.sweep_plot import plot_sweep

        plot_sweep(report, Path(args.plot) / "sweep.png")
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report)
    missed = any(v["pass"] is False for v in report["verdicts"]) or not all(r["slo_pass"] for r in rows)
    return 1 if missed else 0
