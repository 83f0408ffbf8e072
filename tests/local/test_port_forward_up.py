"""The real kubectl 1.37 and Python client 37 port-forwarding through the API server to a docker minion:
`kubectl port-forward pod/x` and `svc/x` with several local ports and 20 parallel requests, the Python
client's portforward(), a closed port, and a kubectl killed mid-stream (the node keeps no socket)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import ssl
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kube.local import processes
from kube.local.container_cleanup import remove_cluster_containers
from tests.conftest import free_port
from tests.fixtures.requirements import require_docker
from tests.local.local_cluster import KUBECTL, LocalCluster, free_port_run, ready_pods, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.docker]
SERVE = ("mkdir -p /a /b && echo served-on-80 > /a/index.html && echo served-on-8081 > /b/index.html && "
         "httpd -p 8081 -h /b && exec httpd -f -p 80 -h /a")
MANIFEST = f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, labels: {{app: pf}}}}
spec:
  containers:
  - name: httpd
    image: kube.local/busybox:1
    command: ["sh", "-c", "{SERVE}"]
    ports: [{{containerPort: 80, name: http}}]
    readinessProbe: {{tcpSocket: {{port: 80}}, periodSeconds: 1}}
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: pf}}
  ports: [{{port: 8080, targetPort: http}}]
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    require_docker()
    base = tmp_path_factory.mktemp("port-forward")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    prefix = f"pf{uuid.uuid4().hex[:4]}"
    c.node_port = free_port_run(1)  # type: ignore[attr-defined]
    try:
        c.up("--runtime", "docker", "--nodes", "1", "--no-examples", "--name-prefix", prefix,
             "--cluster-cidr", "10.245.0.0/18", kubelet_port=c.node_port)  # type: ignore[attr-defined]
        c.node = f"{prefix}-a"  # type: ignore[attr-defined]
        (base / "web.yaml").write_text(MANIFEST)
        c.kubectl("apply", "-f", str(base / "web.yaml"))
        wait_for("the web pod to be ready", lambda: ready_pods(c, "app=pf"), timeout=120)
        yield c
    finally:
        c.down()
        remove_cluster_containers(str(c.root))


@contextlib.contextmanager
def port_forward(cluster: LocalCluster, target: str, *remotes: str, env: dict[str, str] | None = None,
                 ) -> Iterator[tuple[dict[int, int], subprocess.Popen[str]]]:
    """kubectl port-forward target :R ...; yields ({pod port: local port}, the process)."""
    proc = subprocess.Popen([KUBECTL, "--kubeconfig", str(cluster.kubeconfig), "port-forward", target,
                             *(f":{r}" for r in remotes)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})
    ports: dict[int, int] = {}
    try:
        assert proc.stdout is not None
        while len(ports) < len(remotes):
            line = proc.stdout.readline()
            assert line, f"kubectl port-forward ended: {proc.stderr.read() if proc.stderr else ''}"
            if match := re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)", line):
                ports[int(match.group(2))] = int(match.group(1))
        yield ports, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def http_get(port: int, path: str = "/", timeout: float = 30) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: pod\r\n\r\n".encode())
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def node_tasks(cluster: LocalCluster) -> int:
    """kube_node_port_forward_tasks from the node server's /metrics (which needs no client certificate)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    url = f"https://127.0.0.1:{cluster.node_port}/metrics"  # type: ignore[attr-defined]
    with urllib.request.urlopen(url, context=ctx, timeout=20) as resp:
        text = resp.read().decode()
    return int(float(re.search(r"^kube_node_port_forward_tasks (\S+)$", text, re.M).group(1)))  # type: ignore[union-attr]


def _pod_socket_inodes(pod: str) -> set[str]:
    """The inodes of every TCP socket in the pod's network namespace (its containers' /proc/net)."""
    ids = subprocess.run(["docker", "ps", "-q", "--filter", f"label=io.kube.pod.name={pod}"],
                         capture_output=True, text=True, timeout=30).stdout.split()
    inodes: set[str] = set()
    for cid in ids:
        pid = subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", cid],
                             capture_output=True, text=True, timeout=30).stdout.strip()
        for table in ("tcp", "tcp6"):
            with contextlib.suppress(OSError):
                inodes.update(line.split()[9] for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:])
    return inodes


def node_pod_sockets(cluster: LocalCluster, pod: str = "web") -> int:
    """Sockets the node process holds inside the pod's network namespace: exactly its dials for
    port-forward (its own API and Docker connections live in the host's namespace)."""
    pid = processes.running(cluster.dir, cluster.node)  # type: ignore[attr-defined]
    held: set[str] = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except FileNotFoundError:  # closed between the listing and the read: it is not held
            continue
        if link.startswith("socket:["):
            held.add(link[len("socket:["):-1])
    return len(held & _pod_socket_inodes(pod))


@pytest.mark.parametrize("websockets", ["true", "false"])  # SPDY over WebSocket, then kubectl's SPDY fallback
def test_kubectl_port_forward_a_pod_two_ports_twenty_parallel_requests(cluster: LocalCluster,
                                                                       websockets: str) -> None:
    with port_forward(cluster, "pod/web", "80", "8081", env={"KUBECTL_PORT_FORWARD_WEBSOCKETS": websockets}) \
            as (ports, _):
        jobs = [(ports[80] if i % 2 else ports[8081], i) for i in range(20)]
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(lambda job: http_get(job[0], "/index.html"), jobs))
    for (port, _), answer in zip(jobs, answers, strict=True):
        assert answer.startswith(b"HTTP/1.") and answer.endswith(
            b"served-on-80\n" if port == ports[80] else b"served-on-8081\n"), answer


def test_kubectl_port_forward_a_service_twenty_parallel_requests(cluster: LocalCluster) -> None:
    with port_forward(cluster, "svc/web", "8080") as (ports, _):  # kubectl resolves it to the pod's target port
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(lambda i: http_get(ports[80], f"/index.html?{i}"), range(20)))
    assert all(a.endswith(b"served-on-80\n") for a in answers), answers


def test_python_client_portforward_and_a_closed_port(cluster: LocalCluster) -> None:
    from kubernetes import client, config
    from kubernetes.stream import portforward

    api = client.CoreV1Api(config.new_client_from_config(str(cluster.kubeconfig)))
    pf = portforward(api.connect_get_namespaced_pod_portforward, "web", "default", ports="80,81")
    sock = pf.socket(80)
    sock.setblocking(True)
    sock.settimeout(30)
    sock.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    assert answer.endswith(b"served-on-80\n")
    wait_for("the closed port's error", lambda: pf.error(81), timeout=30)
    assert re.match(r"error forwarding port 81 to pod [0-9a-f]{64}, uid : failed to connect to localhost:81 inside "
                    r'namespace "[0-9a-f]{64}", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused',
                    pf.error(81)), pf.error(81)
    pf.close()


def test_kubectl_to_a_closed_port_reports_it_and_the_node_serves_on(cluster: LocalCluster) -> None:
    with port_forward(cluster, "pod/web", "81") as (ports, proc):
        assert http_get(ports[81]) == b""  # kubectl closes the local connection on the error
        proc.wait(30)  # and, as kubectl does on an error stream message, ends the session
        assert proc.stderr is not None
        assert "error forwarding port 81 to pod" in proc.stderr.read()
    with port_forward(cluster, "pod/web", "80") as (ports, _):
        assert http_get(ports[80], "/index.html").endswith(b"served-on-80\n")


def test_a_kubectl_killed_mid_stream_leaves_no_socket_on_the_node(cluster: LocalCluster) -> None:
    with port_forward(cluster, "pod/web", "80") as (ports, _):  # warm: the node's own sockets settle
        assert http_get(ports[80], "/index.html").endswith(b"served-on-80\n")
    wait_for("the warm-up connection released", lambda: node_pod_sockets(cluster) == 0 or None, timeout=30)
    with port_forward(cluster, "pod/web", "80") as (ports, proc):
        halves = [socket.create_connection(("127.0.0.1", ports[80]), timeout=30) for _ in range(5)]
        for s in halves:
            s.sendall(b"GET /index.html HTTP/1.0\r\n")  # half a request: httpd waits for the rest
        wait_for("the node to hold the forwarded connections", lambda: node_pod_sockets(cluster) >= 5,
                 timeout=30)
        assert node_tasks(cluster) == 5
        proc.kill()  # no GOAWAY, no reset, no close frame
        proc.wait()
        for s in halves:
            s.close()
    wait_for("the node to let the pod connections go", lambda: node_pod_sockets(cluster) == 0 or None,
             timeout=60)
    wait_for("the node's port-forward tasks to end", lambda: node_tasks(cluster) == 0 or None, timeout=30)
