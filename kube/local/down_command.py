"""`kube down`: stop every component of the local cluster and remove the
containers its minions made; the data (store, certificates, logs) stays.

Only a pid file that still names its component is acted on (processes.py):
one left from before a reboot, whose pid may now be anybody's, is removed and
nothing is signalled."""

from __future__ import annotations

import argparse
from pathlib import Path

from kube.local import processes
from kube.local.container_cleanup import remove_cluster_containers
from kube.local.layout import ClusterDir
from kube.local.plan import CONTROL_PLANE


def stop_order(names: list[str]) -> list[str]:
    """Nodes first (they stop their pods' containers), then the controllers, the API server last."""
    nodes = sorted(n for n in names if n not in CONTROL_PLANE)
    return nodes + [n for n in ("scheduler", "controller-manager", "apiserver") if n in names]


def run(args: argparse.Namespace) -> int:
    cluster = ClusterDir(Path(args.dir).resolve())
    if not cluster.run.exists():
        print("no local cluster here")
        return 0
    for name in stop_order([p.stem for p in cluster.run.glob("*.pid")]):
        if processes.stop(cluster, name):
            print(f"  {name:<20} stopped")
        else:
            print(f"  {name:<20} was not running (stale pid file removed)")
    removed = remove_cluster_containers(str(cluster.root))
    if removed:
        print(f"  removed {removed} container(s)")
    print(f"The cluster is down; its data stays in {cluster.root}.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("down", help="stop the local cluster and remove its containers (keeps its data)")
    p.add_argument("--dir", default=".cluster", help="state directory (default .cluster)")
    # `kube up`'s flags, accepted so `make up`/`make down` can pass the same ones; down stops
    # whatever the state directory records, whichever nodes, runtime and store it was started with
    same_as_up = "accepted as given to kube up; down stops what the state directory records"
    p.add_argument("--nodes", type=int, default=None, help=same_as_up)
    p.add_argument("--runtime", choices=["docker", "simulated"], default=None, help=same_as_up)
    p.add_argument("--store", default=None, help=same_as_up)
    p.set_defaults(func=run)
