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
from kube.local.plan import CONTROL_PLANE, MACHINE_DAEMONS, PROXY


def stop_order(names: list[str]) -> list[str]:
    """Nodes first (they stop their pods' containers), then the controllers, the API server last."""
    nodes = sorted(n for n in names if n not in CONTROL_PLANE and n not in MACHINE_DAEMONS)
    machine = [n for n in MACHINE_DAEMONS if n in names]  # after the nodes: their pods' endpoints go first
    return nodes + machine + [n for n in ("scheduler", "controller-manager", "apiserver") if n in names]


def remove_host_network(had_docker_minions: bool) -> list[str]:
    """What a docker cluster made in the host's network namespace: the proxy's KUBE-* chains
    and the pod network's links, routes and KUBENET-* chains (both found by name)."""
    if not had_docker_minions:
        return []
    from kube.node.network.cleanup import cleanup as network_cleanup
    from kube.proxy import iptables_executor

    removed: list[str] = []
    if iptables_executor.iptables_usable() is None:
        removed += iptables_executor.cleanup()
    from pyroute2 import NetlinkError

    try:
        removed += network_cleanup()
    except (OSError, NetlinkError) as exc:  # no netlink or iptables here: nothing was made either
        print(f"  pod network not cleaned: {exc}")
    return removed


def run(args: argparse.Namespace) -> int:
    cluster = ClusterDir(Path(args.dir).resolve())
    if not cluster.run.exists():
        print("no local cluster here")
        return 0
    names = [p.stem for p in cluster.run.glob("*.pid")]
    for name in stop_order(names):
        if processes.stop(cluster, name):
            print(f"  {name:<20} stopped")
        else:
            print(f"  {name:<20} was not running (stale pid file removed)")
    removed = remove_cluster_containers(str(cluster.root))
    if removed:
        print(f"  removed {removed} container(s)")
    cleaned = remove_host_network(PROXY in names)
    if cleaned:
        print(f"  removed {len(cleaned)} network link(s), route(s) and iptables rule(s)")
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
