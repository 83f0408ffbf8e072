"""Port-forward through the API server, measured end to end: the real kubectl port-forward (SPDY over
WebSocket) -> API server (TLS, spliced) -> the node's server (TLS, SPDY) -> a socket in the pod's
netns -> busybox httpd in a docker pod of a 1-minion `kube up` cluster.

`python -m tests.bench.port_forward_bench [--mib 256] [--connections 100] [--spdy]` prints one JSON line:
one connection's download and upload throughput (MB/s, 10^6 bytes) of --mib MiB, and --connections parallel
connections each fetching a 64 KiB file (wall time, per-request p50/p99).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kube.local.container_cleanup import remove_cluster_containers
from tests.local.local_cluster import KUBECTL, LocalCluster, free_port_run, ready_pods, wait_for

POD = """
apiVersion: v1
kind: Pod
metadata: {{name: bench, labels: {{app: pf-bench}}}}
spec:
  containers:
  - name: httpd
    image: kube.local/busybox:1
    command: ["sh", "-c", "mkdir -p /w && dd if=/dev/zero of=/w/big bs=1048576 count={mib} 2>/dev/null &&
      dd if=/dev/zero of=/w/small bs=65536 count=1 2>/dev/null && touch /w/ready &&
      (nc -ll -p 81 -e wc -c &) && exec httpd -f -p 80 -h /w"]
    readinessProbe: {{exec: {{command: [test, -f, /w/ready]}}, periodSeconds: 1}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def bench_cluster(mib: int) -> Iterator[LocalCluster]:
    base = Path(tempfile.mkdtemp(prefix="pf-bench-"))
    cluster = LocalCluster(base / "cluster", _free_port(), base / "kubectl-cache")
    try:
        cluster.up("--runtime", "docker", "--nodes", "1", "--no-examples", "--name-prefix",
                   f"pfb{uuid.uuid4().hex[:4]}", "--cluster-cidr", "10.245.64.0/18", kubelet_port=free_port_run(1))
        (base / "pod.yaml").write_text(POD.format(mib=mib))
        cluster.kubectl("apply", "-f", str(base / "pod.yaml"))
        wait_for("the bench pod to be ready", lambda: ready_pods(cluster, "app=pf-bench"), timeout=180)
        yield cluster
    finally:
        cluster.down()
        remove_cluster_containers(str(cluster.root))


@contextmanager
def forwarded(cluster: LocalCluster, spdy: bool = False) -> Iterator[dict[int, int]]:
    env = {**os.environ, "KUBECTL_PORT_FORWARD_WEBSOCKETS": "false" if spdy else "true"}
    proc = subprocess.Popen([KUBECTL, "--kubeconfig", str(cluster.kubeconfig), "port-forward", "pod/bench", ":80", ":81"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert proc.stdout is not None
        ports: dict[int, int] = {}
        while len(ports) < 2:
            line = proc.stdout.readline()
            assert line, "kubectl port-forward ended"
            if match := re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)", line):
                ports[int(match.group(2))] = int(match.group(1))
        yield ports
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def fetch(port: int, path: str) -> int:
    """Body bytes of GET path (the head skipped); reads in 1 MiB chunks."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        head = b""
        total = 0
        while True:
            n = s.recv_into(view)
            if not n:
                break
            if head is not None:
                head += bytes(view[:n])
                if b"\r\n\r\n" in head:
                    total = len(head) - head.index(b"\r\n\r\n") - 4
                    head = None  # type: ignore[assignment]
                continue
            total += n
    return total


def upload(port: int, size: int) -> int:
    """Send size zero bytes, half-close, and read what the pod counted (`wc -c` behind nc)."""
    chunk = bytes(1 << 20)
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        sent = 0
        while sent < size:
            s.sendall(chunk[:size - sent])
            sent += min(len(chunk), size - sent)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while data := s.recv(4096):
            answer += data
    return int(answer.strip() or b"-1")


def run(mib: int, connections: int, spdy: bool = False) -> dict[str, Any]:
    with bench_cluster(mib) as cluster, forwarded(cluster, spdy) as ports:
        port = ports[80]
        assert fetch(port, "/small") == 65536  # warm: the session and the sandbox lookup
        started = time.perf_counter()
        size = fetch(port, "/big")
        single = time.perf_counter() - started
        assert size == mib << 20, size
        started = time.perf_counter()
        assert upload(ports[81], mib << 20) == mib << 20, "the pod counted another size"
        up = time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(connections) as pool:
            results = list(pool.map(lambda _: _timed_fetch(port), range(connections)))
        wall = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    assert all(r[1] == 65536 for r in results), "a parallel fetch came back short"
    return {"protocol": "SPDY/3.1 upgrade" if spdy else "SPDY/3.1 over WebSocket", "mib": mib, "single_seconds": round(single, 3), "single_mb_per_s": round(size / single / 1e6, 1),
            "upload_seconds": round(up, 3), "upload_mb_per_s": round(size / up / 1e6, 1),
            "connections": connections, "parallel_wall_seconds": round(wall, 3),
            "parallel_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
            "parallel_p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
            "parallel_mb_per_s": round(connections * 65536 / wall / 1e6, 1)}


def _timed_fetch(port: int) -> tuple[float, int]:
    t = time.perf_counter()
    n = fetch(port, "/small")
    return time.perf_counter() - t, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=int(os.environ.get("PF_BENCH_MIB", "256")))
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--spdy", action="store_true", help="kubectl's fallback: a plain Upgrade: SPDY/3.1")
    args = parser.parse_args()
    print(json.dumps(run(args.mib, args.connections, args.spdy)))


if __name__ == "__main__":
    main()
