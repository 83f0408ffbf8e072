"""`kube up`: start a working local cluster in the background under `.cluster/`,
apply the examples, wait for them to roll out and show where their pods run.

Running it again starts exactly the components that are not running (a pid
file names a component only while that very process runs: processes.py) and
leaves the others alone; the examples apply as "unchanged".
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from kube.cli.main import CliError
from kube.client.rest import RestClient
from kube.local import processes
from kube.local.credentials import (
    ensure_admin,
    ensure_component_kubeconfig,
    ensure_node_serving_cert,
    server_url,
)
from kube.local.examples import DEFAULT_EXAMPLES, apply_examples, deployments_in, example_files
from kube.local.layout import ClusterDir
from kube.local.plan import Component, UpOptions, components, is_docker_minion
from kube.local.pods_table import example_pods_table
from kube.local.readiness import wait_nodes_ready, wait_ready
from kube.local.rollout_progress import wait_rollouts
from kube.local.runtime_choice import choose_runtime
from kube.node.node_config import node_name_problem


def start_components(cluster: ClusterDir, opts: UpOptions, plan: list[Component], timeout: float) -> list[str]:
    """Start what is not running yet; the names of the components that are (or were) running."""
    pki = ensure_admin(cluster, opts.port)
    up: list[str] = []
    for comp in plan:
        if comp.needs_kubeconfig:
            ensure_component_kubeconfig(cluster, pki, comp.name, opts.port)
        if is_docker_minion(comp.name):
            ensure_node_serving_cert(cluster, pki, comp.name)
        pid = processes.running(cluster, comp.name)
        if pid:
            print(f"  {comp.name:<20} already running (pid {pid})")
        else:
            pid = processes.start(cluster, comp.name, comp.argv, comp.env)
            print(f"  {comp.name:<20} started (pid {pid}, log {cluster.log_file(comp.name)})")
        up.append(comp.name)
        if comp.name == "apiserver":
            ok = wait_ready(server_url(opts.port), str(cluster.pki / "ca.crt"), timeout=timeout,
                            alive=lambda: processes.running(cluster, "apiserver") is not None)
            if not ok:
                line, path = last_words(cluster, "apiserver")
                raise CliError(f"the API server did not become ready: {line} (log {path})")
    return up


def last_words(cluster: ClusterDir, name: str) -> tuple[str, Path]:
    """The last line a component left, and where: its stdout/stderr capture when it printed
    anything (a traceback, a flag error), else its log."""
    for path in (cluster.out_file(name), cluster.log_file(name)):
        try:
            lines = path.read_text(errors="replace").strip().splitlines()
        except OSError:
            continue
        if lines:
            return lines[-1], path
    return "(no output)", cluster.log_file(name)


def has_spoken(cluster: ClusterDir, name: str) -> bool:
    """Has the component written anything since it was started (its log, or its stdout capture,
    which each start empties)? Until then it may still be importing, not yet past its flags."""
    try:
        started = cluster.pid_file(name).stat().st_mtime
    except OSError:
        return True
    for path, since in ((cluster.out_file(name), None), (cluster.log_file(name), started)):
        try:
            info = path.stat()
        except OSError:
            continue
        if info.st_size and (since is None or info.st_mtime >= since):
            return True
    return False


def check_still_running(cluster: ClusterDir, names: list[str], settle: float = 2.0, patience: float = 30.0) -> None:
    """A component that dies at once (a port in use, a bad flag) is named with its last line.

    Each is watched until it has written something since its start and for `settle` seconds
    after the last one has (at most `patience` seconds), so a slow start on a busy machine
    is not taken for a good one."""
    deadline = time.monotonic() + patience
    quiet_until = time.monotonic() + settle
    silent = set(names)
    while True:
        time.sleep(0.2)
        dead = [n for n in names if processes.running(cluster, n) is None]
        if dead:
            line, path = last_words(cluster, dead[0])
            raise CliError(f"{dead[0]} exited at start: {line} (log {path})")
        now = time.monotonic()
        if silent:
            silent = {n for n in silent if not has_spoken(cluster, n)}
            if silent and now < deadline:
                continue
            quiet_until = max(quiet_until, now + settle)
            silent = set()  # all have spoken, or patience ran out
        if now >= quiet_until:
            return


async def show_examples(cluster: ClusterDir, files: list[Path], nodes: int, timeout: float) -> bool:
    """Wait for the minions, apply the examples, follow their rollout, print their pods."""
    client = RestClient.from_kubeconfig(str(cluster.kubeconfig))
    try:
        started = time.monotonic()
        ready = await wait_nodes_ready(client, nodes, timeout=min(timeout, 90.0))
        print(f"  {ready}/{nodes} minions Ready ({time.monotonic() - started:.1f}s)")
        ok, output = await asyncio.to_thread(apply_examples, files, cluster.kubeconfig)
        print("\n".join(f"  {line}" for line in output.splitlines()))
        if not ok:
            return False
        refs = deployments_in(files)
        rolled = await wait_rollouts(client, refs, timeout=timeout)
        print(f"  rollout {'finished' if rolled else 'NOT finished'} after {time.monotonic() - started:.1f}s")
        print()
        print("\n".join(await example_pods_table(client, refs)))
        return rolled
    finally:
        await client.close()


def usage_text(cluster: ClusterDir, port: int) -> str:
    return f"""
The cluster is up: API server {server_url(port)}, state in {cluster.root}.
Use it:
  export KUBECONFIG={cluster.kubeconfig}
  .venv/bin/kube get ns
  .venv/bin/kubectl get pods -o wide
  .venv/bin/kubectl rollout status deployment/web
Stop it with `make down` (the data stays in {cluster.root})."""


def check_flags(args: argparse.Namespace) -> None:
    if args.nodes < 1:
        raise CliError("--nodes must be at least 1")
    store = args.store
    if not (store in ("", "sqlite") or (store.startswith("sqlite:") and len(store) > 7)
            or (store.startswith("etcd:") and store[5:].strip(","))):
        raise CliError(f"--store {store!r}: use sqlite, sqlite:PATH or etcd:URL,...")
    for flag in ("port", "kubelet_port", "health_port"):
        value = getattr(args, flag)
        if not 0 <= value <= 65535 or (flag == "port" and value == 0):
            raise CliError(f"--{flag.replace('_', '-')} {value}: not a usable TCP port")
    if args.node_monitor_grace_period <= 0 or args.pod_eviction_timeout < 0:
        raise CliError("--node-monitor-grace-period must be positive and --pod-eviction-timeout not negative")
    problem = node_name_problem(f"{args.name_prefix}-a")
    if problem:
        raise CliError(f"--name-prefix: {problem}")


def run(args: argparse.Namespace) -> int:
    check_flags(args)
    cluster = ClusterDir(Path(args.dir).resolve())
    cluster.create()
    choice = choose_runtime(cluster, args.runtime)
    if choice.reason:
        print(f"{choice.reason}: running {choice.runtime} minions instead." if choice.runtime != args.runtime
              else f"{choice.reason}.")
    opts = UpOptions(port=args.port, store=args.store, nodes=args.nodes, runtime=choice.runtime,
                     node_monitor_grace_period=args.node_monitor_grace_period,
                     pod_eviction_seconds=args.pod_eviction_timeout, kubelet_port=args.kubelet_port,
                     health_port=args.health_port, name_prefix=args.name_prefix, cluster_cidr=args.cluster_cidr)
    print(f"Starting a local cluster in {cluster.root} ({opts.nodes} {choice.runtime} minions, zones a, b, c):")
    up = start_components(cluster, opts, components(cluster, opts, choice.runtime), args.timeout)
    check_still_running(cluster, up)
    files = [] if args.no_examples else example_files(Path(args.examples))
    if files:
        print(f"Applying {', '.join(str(f) for f in files)}:")
        if not asyncio.run(show_examples(cluster, files, opts.nodes, args.rollout_timeout)):
            print(usage_text(cluster, opts.port))
            raise CliError("the examples did not roll out; see `kubectl describe pods` and "
                           f"the logs in {cluster.logs}")
    print(usage_text(cluster, opts.port))
    sys.stdout.flush()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("up", help="start a local cluster in the background and deploy the examples")
    p.add_argument("--dir", default=".cluster", help="state directory (default .cluster)")
    p.add_argument("--port", type=int, default=6443, help="API server port (default 6443)")
    p.add_argument("--store", default="", help="sqlite[:PATH] (default sqlite:.cluster/state.db) or etcd:URL,...")
    p.add_argument("--nodes", type=int, default=3, help="number of minions (default 3)")
    p.add_argument("--runtime", choices=["docker", "simulated"], default="docker")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the API server")
    p.add_argument("--rollout-timeout", type=float, default=180.0, help="seconds to wait for the examples")
    p.add_argument("--examples", default=str(DEFAULT_EXAMPLES), help="directory whose manifests are applied")
    p.add_argument("--no-examples", action="store_true", help="start the cluster only")
    p.add_argument("--node-monitor-grace-period", type=float, default=40.0,
                   help="seconds without a heartbeat before a minion is NotReady (default 40)")
    p.add_argument("--pod-eviction-timeout", type=int, default=300,
                   help="seconds pods stay on an unreachable minion (default toleration, 300)")
    p.add_argument("--kubelet-port", type=int, default=10250,
                   help="log server port of the first docker minion, +1 for each next (0: none)")
    p.add_argument("--health-port", type=int, default=10257,
                   help="controller-manager /healthz and /metrics port, the scheduler's is +2 (0: none)")
    p.add_argument("--name-prefix", default="minion", help="minions are <prefix>-a, <prefix>-b, ... (default minion)")
    p.add_argument("--cluster-cidr", default="", help="pod IP range (default 10.244.0.0/16)")
    p.set_defaults(func=run)
