"""`kube bench scheduler --mode api`: the scheduler against a real API server.

A `kube apiserver` child process (its own core; store sqlite in a temp dir,
or a temp single-member etcd) gets N Nodes and P pending Pods through the
API first; then the clock runs from the scheduler's start (informers, list,
watch) until the last pods/binding call has been persisted (acknowledged). The
cold start, to the first binding acknowledged, is timed by phase
(scheduler_cold_start.py).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import uvloop

from kube.api.registry import resolve
from kube.bench.cold_start import ColdStart
from kube.bench.scheduler_cold_start import PHASES, time_scheduler
from kube.bench.workloads import cluster, pending_pods
from kube.local.etcd_members import QUOTA_BACKEND_BYTES

TOKEN = "bench-admin-token-0123456789abcdef"
POD, NODE = resolve("pods"), resolve("nodes")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


UNSCHEDULABLE_AFTER_SECONDS = 12.0  # longer than the back-off ceiling (10 s)


def _wait_http(url: str, ctx, proc: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, context=ctx, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not become ready in {timeout:.0f}s")


def _start_etcd(tmp: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("etcd")
    if binary is None:
        from kube.cli.main import CliError

        raise CliError("--store etcd needs the etcd binary on PATH")
    client, peer = _free_port(), _free_port()
    url = f"http://127.0.0.1:{client}"
    proc = subprocess.Popen(
        [binary, "--data-dir", str(tmp / "etcd"), "--listen-client-urls", url, "--advertise-client-urls", url,
         "--listen-peer-urls", f"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls",
         f"http://127.0.0.1:{peer}", "--initial-cluster", f"default=http://127.0.0.1:{peer}",
         "--quota-backend-bytes", str(QUOTA_BACKEND_BYTES)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_http(f"{url}/health", None, proc, "etcd")
    return proc, url


def process_cpu_seconds(pids: list[int]) -> float:
    """User+system CPU of other processes (the API server, etcd) from /proc; 0 where unreadable."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_api(nodes: int, pods: int, workload: str, engine: str, seed: int, store: str,
            progress: Callable[[int], None] | None = None) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="kube-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        argv = [sys.executable, "-m", "kube", "apiserver", "--bind-address", "127.0.0.1",
                "--cert-dir", str(tmp / "pki"), "--token-auth-file", str(tmp / "tokens.csv")]
        if store == "etcd":
            etcd, url = _start_etcd(tmp)
            procs.append(etcd)
            argv += ["--etcd-servers", url]
        else:
            argv += ["--store", f"sqlite:{tmp / 'state.db'}"]
        port = _free_port()
        argv += ["--secure-port", str(port)]
        (tmp / "tokens.csv").write_text(f'{TOKEN},bench,bench,"system:masters"\n')
        log = open(tmp / "apiserver.log", "wb")  # noqa: SIM115 - the child owns it
        procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)))
        _wait_http(f"https://127.0.0.1:{port}/readyz", ssl._create_unverified_context(), procs[-1], "the API server")
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:  # as `kube scheduler` runs
            return runner.run(_bench(f"https://127.0.0.1:{port}", tmp / "pki" / "ca.crt", nodes, pods, workload,
                                     engine, seed, progress, [p.pid for p in procs]))
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


async def _create_all(client, kind, objs, namespace: str | None, concurrency: int = 32) -> None:
    it = iter(objs)

    async def worker() -> None:
        for obj in it:
            obj["metadata"].pop("uid", None)
            await client.create(kind, obj, namespace)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _bench(url: str, ca: Path, nodes: int, pods: int, workload: str, engine: str, seed: int,
                 progress: Callable[[int], None] | None, server_pids: list[int]) -> dict:
    from kube.client.informer import SharedInformerFactory
    from kube.client.kubeconfig import ClientConfig
    from kube.client.rest import RestClient
    from kube.component.startup_gc import synced_with_collector_paused
    from kube.scheduler.api_binding import ApiBinder, wire_informers
    from kube.scheduler.events import MemoryEvents
    from kube.scheduler.scheduler import Scheduler

    ca_data = ca.read_bytes() if ca.exists() else None
    config = ClientConfig(servers=[url], ca_data=ca_data, token=TOKEN, insecure=ca_data is None)
    client = RestClient(config, user_agent="kube-bench")
    await _create_all(client, NODE, cluster(nodes), None)
    await _create_all(client, POD, pending_pods(workload, nodes, pods), "default")

    bound_at: list[float] = []
    api_binder = ApiBinder(client)
    latencies: list[float] = []
    cold_attempts = 0

    class TimedBinder:
        async def bind(self, pod, node: str) -> None:
            began = time.perf_counter()
            await api_binder.bind(pod, node)
            bound_at.append(time.perf_counter())
            if cold.cold:
                cold.interval("bind_request", began, bound_at[-1])
                cold.first_pod_done(bound_at[-1])
            if progress is not None:
                progress(len(bound_at))

    feasible = 0
    sched = Scheduler(binder=TimedBinder(), engine=engine, seed=seed, events=MemoryEvents())

    last_attempt = 0.0

    def attempt(_pod, outcome, elapsed: float) -> None:
        nonlocal feasible, last_attempt, cold_attempts
        latencies.append(elapsed)
        if outcome.slot >= 0 and not cold_attempts:  # later cycles are warm, whenever their binds land
            cold_attempts = len(latencies)
        feasible += outcome.feasible
        last_attempt = time.perf_counter()

    sched.on_attempt = attempt
    stop = asyncio.Event()
    start = time.perf_counter()
    cpu_start = time.process_time()
    server_cpu_start = process_cpu_seconds(server_pids)
    cold = ColdStart(start, PHASES)
    time_scheduler(cold, sched)
    cold.replace(client, "list_all", cold.timed_async("informer_list", client.list_all))
    factory = SharedInformerFactory(client)
    wire_informers(factory, sched)
    factory.start()
    loop_task = asyncio.create_task(sched.run(stop))
    await synced_with_collector_paused(factory.wait_for_cache_sync)  # as `kube scheduler` does
    stuck_since: float | None = None
    while len(bound_at) < pods:
        await asyncio.sleep(0.05)
        stuck = bool(len(sched.queue)) and not sched.queue.pending()["active"] and not sched._binds and len(
            bound_at) + len(sched.queue) >= pods
        now = time.perf_counter()
        stuck_since = (stuck_since or now) if stuck else None
        # the rest are unschedulable only if they stay so past a back-off round: pods seen
        # before their nodes wait in back-off and come back when the nodes arrive
        if stuck_since is not None and now - stuck_since > UNSCHEDULABLE_AFTER_SECONDS:
            break
    elapsed = (max(bound_at) if bound_at else time.perf_counter()) - start
    cpu = time.process_time() - cpu_start
    server_cpu = process_cpu_seconds(server_pids) - server_cpu_start
    stop.set()
    cold.close()
    await loop_task
    await sched.drain_binds()
    await factory.stop()
    await client.close()
    acked = [(t - start, i + 1) for i, t in enumerate(sorted(bound_at))]
    timeline = acked[:: max(1, pods // 200)] + acked[-1:]  # ~200 samples, and the last binding
    return {"elapsed": elapsed, "cpu_seconds": cpu, "latencies": latencies, "scheduled": len(bound_at),
            "unschedulable": pods - len(bound_at), "attempts": len(latencies), "feasible_total": feasible,
            "timeline": [(0.0, 0), *timeline], "engine": sched.engine,
            "server_cpu_seconds": server_cpu, "decided_s": max(0.0, last_attempt - start),
            "cold_start": cold.report(), "cold_attempts": cold_attempts, "first_pod_s": cold.first_pod,
            "first_pod_cpu_s": cold.first_pod_cpu - cpu_start if cold.first_pod is not None else 0.0}
