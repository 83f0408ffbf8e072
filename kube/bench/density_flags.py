"""The workload-shape flags of `kube bench density`, defined once: `kube bench sweep` takes
the same ones and hands them on to each density run it starts."""

from __future__ import annotations

import argparse
from typing import Any

from kube.bench.figures import positive_int
from kube.bench.store_flags import add_store_arguments

# (flag, type, default, help): the shape of a run that is the same at every cluster size
SHAPE: tuple[tuple[str, Any, Any, str], ...] = (
    ("--namespaces", positive_int, 10, "namespaces the Deployments are spread over"),
    ("--pods-per-deployment", positive_int, 30, "replicas of each Deployment"),
    ("--qps", float, 20.0, "object creations per second"),
    ("--duration", float, 30.0, "seconds of the load phase"),
    ("--clients", positive_int, 4, "reader tasks in the load phase"),
    ("--workers", positive_int, 16, "the node agent's pod-sync workers"),
    ("--latency-pods", int, 100, "after the density phase, single-replica Deployments whose pods' startup "
     "the pod startup SLO judges, as ClusterLoader2's latency pods (0: judge the density pods)"),
    ("--latency-qps", float, 5.0, "latency pods created per second"),
)


def add_shape_arguments(parser: Any) -> None:
    for flag, kind, default, text in SHAPE:
        parser.add_argument(flag, type=kind, default=default, help=text)
    add_store_arguments(parser)


def check_shape(args: argparse.Namespace) -> None:
    """What argparse's types cannot say: rates above zero, a load phase not negative."""
    from kube.cli.main import CliError

    if args.qps <= 0 or args.duration < 0:
        raise CliError("--qps must be above 0 and --duration at least 0")
    if args.latency_pods < 0 or args.latency_qps <= 0:
        raise CliError("--latency-pods must be at least 0 and --latency-qps above 0")


def shape_argv(args: argparse.Namespace) -> list[str]:
    """The shape flags as `kube bench density` takes them, for a child run."""
    out = [part for flag, _, _, _ in SHAPE for part in (flag, str(getattr(args, flag[2:].replace("-", "_"))))]
    out += ["--store", args.store]
    if args.etcd_members is not None:
        out += ["--etcd-members", str(args.etcd_members)]
    return out
