"""`kube bench job`: one Job of C completions at parallelism P on simulated nodes.

Starts `kube apiserver` (embedded SQLite), `kube scheduler`, `kube controller-manager`
(the job controller only) and one `kube node --simulated --count N` process, all as
child processes on loopback; gives every node a podCIDR, then creates a Job whose
container is `sh -c true` (a simulated container that exits 0 at once, see
kube/node/simulated_script.py) and times it from the create to its Complete
condition. Pods/s is completions over that time: every pod was created by the Job
controller, scheduled, started and finished by a node, and counted through the
finalizer protocol. The cold start (create -> the first pods active, then -> the first
completion, as the 0.1 s status polls see them) is reported apart, with the steady
rate after the first completion; `pods_per_second` (and the target) stay the whole run's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kube.api.registry import by_gvk
from kube.bench.cold_start import steady_rate
from kube.bench.node_cluster import BenchCluster, assign_pod_cidrs, proc_stats, wait_nodes
from kube.bench.run_info import run_info

JOB = by_gvk("batch", "v1", "Job")
TARGET_PODS_PER_SECOND = 200


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("job", help="a Job of many completions on simulated nodes: pods per second")
    p.add_argument("--completions", type=int, default=1000)
    p.add_argument("--parallelism", type=int, default=100)
    p.add_argument("--nodes", type=int, default=20)
    p.add_argument("--workers", type=int, default=16, help="the node agent's pod-sync workers")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _job(completions: int, parallelism: int) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "bench"},
            "spec": {"completions": completions, "parallelism": parallelism, "template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "main", "image": "kube.local/busybox:1",
                                                          "command": ["sh", "-c", "true"]}]}}}}


def _child(cluster: BenchCluster, log_name: str, *argv: str) -> subprocess.Popen[bytes]:
    setpriv = shutil.which("setpriv")
    prefix = [setpriv, "--pdeathsig", "TERM"] if setpriv else []
    with (cluster.workdir / log_name).open("ab") as log:
        proc = subprocess.Popen([*prefix, sys.executable, "-m", "kube", *argv, "--kubeconfig", str(cluster.kubeconfig)],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    cluster.agents.append(proc)  # stopped with the agents
    return proc


def _complete(job: dict[str, Any]) -> bool:
    return any(c.get("type") == "Complete" and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or [])


async def measure(cluster: BenchCluster, args: argparse.Namespace, note) -> dict[str, Any]:
    client = cluster.client()
    try:
        agent = cluster.agents[0]
        await wait_nodes(client, args.nodes, agent, cluster.workdir / "node.log", 300)
        await assign_pod_cidrs(client, [f"node-{i}" for i in range(args.nodes)])
        await asyncio.sleep(2.0)  # the scheduler's and controller-manager's caches
        pids = {"apiserver": cluster.api_pid(), **{name: p.pid for name, p in zip(
            ("node", "scheduler", "controller-manager"), cluster.agents, strict=True)}}
        cpu0 = {name: proc_stats(pid)[1] for name, pid in pids.items()}
        t0 = time.monotonic()
        await client.create(JOB, _job(args.completions, args.parallelism), "default")
        last_report = t0
        actives: list[int] = []
        first_active: float | None = None
        first_done: tuple[float, int] | None = None  # when the first completion was seen, and how many then
        while True:
            job = await client.get(JOB, "bench", "default")
            seen, status = time.monotonic() - t0, job.get("status") or {}
            if first_active is None and (status.get("active") or status.get("succeeded")):
                first_active = seen
            if first_done is None and status.get("succeeded"):
                first_done = (seen, int(status["succeeded"]))
            if _complete(job):
                break
            actives.append(int(status.get("active", 0)))
            for proc in cluster.agents:
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc.args} exited {proc.returncode}")
            if time.monotonic() - last_report > 10:
                last_report = time.monotonic()
                note(f"{(job.get('status') or {}).get('succeeded', 0)} succeeded after {last_report - t0:.0f}s")
            await asyncio.sleep(0.1)
        elapsed = time.monotonic() - t0
        status = job["status"]
        cpu = {name: round(proc_stats(pid)[1] - cpu0[name], 1) for name, pid in pids.items()}
        rate = args.completions / elapsed
        done_at, done_then = first_done or (elapsed, int(status.get("succeeded", 0)))
        active_at = done_at if first_active is None else first_active
        cold = {"time_to_first_pod_s": round(done_at, 2),
                "phases": {"pods_created": round(active_at, 2), "first_pod_run": round(done_at - active_at, 2)}}
        return {"completions": args.completions, "parallelism": args.parallelism, "nodes": args.nodes,
                "succeeded": status.get("succeeded", 0), "failed": status.get("failed", 0),
                "seconds": round(elapsed, 2), "pods_per_second": round(rate, 1), "cold_start": cold,
                "steady_pods_per_second": round(steady_rate(args.completions, elapsed, done_at, done_then), 1),
                "mean_active": round(sum(actives) / max(len(actives), 1), 1),
                "cpu_seconds": cpu, "meets_target": rate >= TARGET_PODS_PER_SECOND}
    finally:
        await client.close()


def run(args: argparse.Namespace) -> int:
    from kube.cli.main import CliError

    if args.completions < 1 or args.parallelism < 1 or args.nodes < 1:
        raise CliError("--completions, --parallelism and --nodes must be at least 1")
    workdir = Path(tempfile.mkdtemp(prefix="kube-bench-job-"))
    cluster = BenchCluster(workdir)

    def note(message: str) -> None:
        if not args.json:
            print(message, flush=True)

    try:
        cluster.start_api()
        cluster.start_agent("--simulated", "--count", str(args.nodes), "--zones", "a,b,c", "--max-pods", "110",
                            "--workers", str(args.workers))
        _child(cluster, "scheduler.log", "scheduler", "--no-leader-elect", "--secure-port", "0")
        _child(cluster, "controller-manager.log", "controller-manager", "--controllers", "job",
               "--no-leader-elect", "--port", "0")
        result = asyncio.run(measure(cluster, args, note))
    except BaseException:
        cluster.stop()
        print(f"kube bench job: the processes' logs are in {workdir}", file=sys.stderr)
        raise
    cluster.stop()
    shutil.rmtree(workdir, ignore_errors=True)
    result |= run_info()
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Job of {result['completions']} completions at parallelism {result['parallelism']} on "
              f"{result['nodes']} simulated nodes: Complete in {result['seconds']}s = {result['pods_per_second']} "
              f"pods/s (target >= {TARGET_PODS_PER_SECOND}; first completion after "
              f"{result['cold_start']['time_to_first_pod_s']}s, {result['steady_pods_per_second']} pods/s "
              f"after it); succeeded {result['succeeded']}, failed "
              f"{result['failed']}; mean active {result['mean_active']}; CPU seconds {result['cpu_seconds']}")
    return 0 if result["meets_target"] and result["succeeded"] == result["completions"] else 1
