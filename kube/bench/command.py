"""`kube bench scheduler|api`: each benchmark lives in its own module.

A module listed in BENCHES exposes `register(subparsers)` (adding its parser
and setting `func`), as top-level subcommands do; a missing one is reported
in one line instead of breaking the other.
"""

from __future__ import annotations

import argparse
import importlib

BENCHES: dict[str, str] = {
    "scheduler": "kube.bench.scheduler_bench",
    "api": "kube.bench.api_bench",
    "node": "kube.bench.node_startup",
    "node-scale": "kube.bench.node_scale",
}


def _unavailable(name: str, module: str):
    def run(_args: argparse.Namespace) -> int:
        from kube.cli.main import CliError

        raise CliError(f"benchmark {name!r} is not available in this build ({module})")

    return run


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark (scheduler, api, node, node-scale)")
    sub = parser.add_subparsers(dest="bench", metavar="BENCHMARK", parser_class=type(parser))
    parser.set_defaults(func=lambda _a: parser.print_help() or 2)
    for name, module in BENCHES.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("kube"):
                raise
            p = sub.add_parser(name, help="(not available in this build)")
            p.set_defaults(func=_unavailable(name, module))
            continue
        mod.register(sub)
