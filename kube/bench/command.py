"""`kube bench scheduler|api|node|node-scale|job|dns|density|sweep`: each benchmark lives in its own module.

A module listed in BENCHES exposes `register(subparsers)` (adding its parser
and setting `func`), as top-level subcommands do.
"""

from __future__ import annotations

import argparse
import importlib

BENCHES: dict[str, str] = {
    "scheduler": "kube.bench.scheduler_bench",
    "api": "kube.bench.api_bench",
    "node": "kube.bench.node_startup",
    "node-scale": "kube.bench.node_scale",
    "job": "kube.bench.job_bench",
    "network-programming": "kube.bench.network_programming",
    "dns": "kube.bench.dns_bench",
    "density": "kube.bench.density_run",
    "sweep": "kube.bench.sweep_run",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark (scheduler, api, node, node-scale, job, dns, density, sweep)")
    sub = parser.add_subparsers(dest="bench", metavar="BENCHMARK", parser_class=type(parser))
    parser.set_defaults(func=lambda _a: parser.print_help() or 2)
    for module in BENCHES.values():
        importlib.import_module(module).register(sub)
