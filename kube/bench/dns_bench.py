"""`kube bench dns`: answers per second from one `kube dns` for a cached cluster record.

Without --server it starts what it measures on loopback: a `kube apiserver` (SQLite), a
Service `web` in `default`, and one `kube dns` process; then the load generator
(dns_load.py) asks for `web.default.svc.cluster.local` A from --processes processes, each
with --window queries in flight, for --duration seconds. With --server HOST:PORT it loads
a running daemon instead (give --name).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kube.bench.dns_load import query_bytes, run_load
from kube.bench.figures import percentile, positive_int
from kube.bench.run_info import run_info
from kube.component.errors import UsageError

NAME = "web.default.svc.cluster.local"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dns", help="DNS answers per second from one kube dns (a cached record)")
    p.add_argument("--server", default="", metavar="HOST:PORT", help="load this running daemon instead")
    p.add_argument("--name", default=NAME, help=f"the name asked for (default {NAME})")
    p.add_argument("--duration", type=positive_int, default=10, help="seconds of load")
    p.add_argument("--processes", type=positive_int, default=1, help="load generator processes")
    p.add_argument("--window", type=positive_int, default=64, help="queries in flight per process")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _answers(host: str, port: int, name: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        try:
            s.sendto(query_bytes(name, 7), (host, port))
            reply = s.recv(4096)
        except OSError:
            return False
    return len(reply) >= 12 and reply[3] & 0x0F == 0 and reply[7] > 0


def _start_cluster(workdir: Path) -> tuple[object, subprocess.Popen[bytes], int]:
    import asyncio

    from kube.api.registry import resolve
    from kube.bench.node_cluster import BenchCluster
    from kube.component.flags import port_number  # noqa: F401  (the flags the daemon checks)

    cluster = BenchCluster(workdir)
    cluster.start_api()

    async def make_service() -> None:
        async with cluster.client() as client:
            await client.create(resolve("services"), {
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"clusterIP": "10.96.0.80", "ports": [{"name": "http", "port": 80}]}}, "default")

    asyncio.run(make_service())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    setpriv = shutil.which("setpriv")
    prefix = [setpriv, "--pdeathsig", "TERM"] if setpriv else []
    with (workdir / "dns.log").open("ab") as log:
        dns = subprocess.Popen([*prefix, sys.executable, "-m", "kube", "dns", "--kubeconfig", str(cluster.kubeconfig),
                                "--bind-address", "127.0.0.1", "--dns-port", str(port), "--port", "0",
                                "--advertise-address", "127.0.0.1", "--upstream", "127.0.0.1:9"],
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return cluster, dns, port


def run(args: argparse.Namespace) -> int:
    cluster = dns = None
    workdir = Path(tempfile.mkdtemp(prefix="kube-bench-dns-"))
    try:
        if args.server:
            host, _, port_text = args.server.rpartition(":")
            if not host or not port_text.isdigit():
                raise UsageError(f"--server {args.server!r} is not HOST:PORT")
            port = int(port_text)
        else:
            cluster, dns, port = _start_cluster(workdir)
            host = "127.0.0.1"
        deadline = time.monotonic() + 60
        while not _answers(host, port, args.name):
            if time.monotonic() > deadline or (dns is not None and dns.poll() is not None):
                raise UsageError(f"{host}:{port} does not answer {args.name} A")
            time.sleep(0.2)
        result = run_load(host, port, args.name, seconds=args.duration, processes=args.processes, window=args.window)
    finally:
        if dns is not None and dns.poll() is None:
            dns.send_signal(signal.SIGTERM)
            dns.wait(30)
        if cluster is not None:
            cluster.stop()  # type: ignore[attr-defined]
        shutil.rmtree(workdir, ignore_errors=True)
    qps = result.answered / result.seconds if result.seconds else 0.0
    figures = {"benchmark": "dns", "name": args.name, "processes": args.processes, "window": args.window,
               "seconds": round(result.seconds, 2), "answered": result.answered, "failed": result.failed,
               "lost_windows": result.lost, "qps": round(qps),
               "p50_ms": round(percentile(result.latencies, 50) * 1000, 3),
               "p99_ms": round(percentile(result.latencies, 99) * 1000, 3), **run_info()}
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{qps:,.0f} answers/s for {args.name} A ({result.answered} in {result.seconds:.1f} s, "
              f"{args.processes} process(es) x {args.window} in flight; failed {result.failed}, "
              f"lost windows {result.lost}; latency p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms)")
    return 0 if result.answered and not result.failed else 1
