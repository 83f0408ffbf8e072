"""`kube down`: stop every component of the local cluster; the data stays."""

from __future__ import annotations

import argparse
from pathlib import Path

from kube.local import processes
from kube.local.layout import ClusterDir


def run(args: argparse.Namespace) -> int:
    cluster = ClusterDir(Path(args.dir).resolve())
    if not cluster.run.exists():
        print("no local cluster here")
        return 0
    # nodes first (they stop their pods' containers), the API server last
    names = sorted(p.stem for p in cluster.run.glob("*.pid"))
    order = [n for n in names if n not in ("apiserver", "scheduler", "controller-manager")]
    order += [n for n in ("scheduler", "controller-manager", "apiserver") if n in names]
    for name in order:
        if processes.stop(cluster, name):
            print(f"  {name:<20} stopped")
    try:
        from kube.node.containers_cleanup import remove_all_kube_containers
    except ImportError:
        remove_all_kube_containers = None
    if remove_all_kube_containers is not None:
        removed = remove_all_kube_containers(cluster_id=str(cluster.root))
        if removed:
            print(f"  removed {removed} container(s)")
    print(f"The cluster is down; its data stays in {cluster.root}.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("down", help="stop the local cluster (keeps its data)")
    p.add_argument("--dir", default=".cluster", help="state directory (default .cluster)")
    p.set_defaults(func=run)
