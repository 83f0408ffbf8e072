"""`kube up` with three docker minions, the machine's one `kube proxy` and one `kube dns`, seen
from inside busybox pods with the real `kubectl exec`: a Service answers by ClusterIP and by each of
its names from a pod on every minion, NodePort answers on every address of the machine, a Service
without ready endpoints refuses at once, and scaling changes what the Service balances to."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator

import pytest

from kube.local.container_cleanup import remove_cluster_containers
from tests.conftest import free_port
from tests.fixtures.requirements import require_docker
from tests.local.local_cluster import LocalCluster, free_port_run, ready_pods, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.docker]
NS = "shop"
SERVE = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"


def manifests(prefix: str) -> list[dict]:
    web = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": NS},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                        "terminationGracePeriodSeconds": 0,
                        "containers": [{"name": "httpd", "image": "kube.local/busybox:1", "command": ["sh", "-c", SERVE],
                                        "ports": [{"containerPort": 8080, "name": "http"}],
                                        "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1}}]}}}}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": NS},
           "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}
    idle = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "idle", "namespace": NS},
            "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 80}]}}
    clients = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"client-{z}", "namespace": NS,
                                                                "labels": {"role": "client"}},
                "spec": {"nodeName": f"{prefix}-{z}", "terminationGracePeriodSeconds": 0,
                         "containers": [{"name": "c", "image": "kube.local/busybox:1",
                                         "command": ["sleep", "3600"]}]}} for z in "abc"]
    return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}, web, svc, idle, *clients]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    require_docker()
    base = tmp_path_factory.mktemp("up-services")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    c.prefix = f"s{uuid.uuid4().hex[:4]}"  # type: ignore[attr-defined]
    try:
        c.up("--runtime", "docker", "--name-prefix", c.prefix, "--no-examples",  # type: ignore[attr-defined]
             "--cluster-cidr", "10.244.64.0/18", kubelet_port=free_port_run(3))
        path = base / "shop.json"
        path.write_text(json.dumps({"apiVersion": "v1", "kind": "List",
                                    "items": manifests(c.prefix)}))  # type: ignore[attr-defined]
        c.kubectl("apply", "-f", str(path))
        wait_for("web and the clients to be ready", lambda: len(ready_pods(c, "app=web", NS)) == 1
                 and len(ready_pods(c, "role=client", NS)) == 3, timeout=180)
        yield c
    finally:
        c.down()
        remove_cluster_containers(str(c.root))


def in_pod(cluster: LocalCluster, pod: str, script: str, timeout: float = 30) -> tuple[int, str]:
    proc = cluster.kubectl("exec", "-n", NS, pod, "--", "sh", "-c", script, check=False, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def http_from(cluster: LocalCluster, pod: str, host: str, port: int = 80) -> str:
    code, out = in_pod(cluster, pod, f"printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w3 {host} {port}")
    return out if code == 0 else ""


def web_hostnames(cluster: LocalCluster) -> set[str]:
    return {p["metadata"]["name"] for p in cluster.get_json("pods", "-n", NS, "-l", "app=web")["items"]}


def test_every_minion_reaches_the_service_by_cluster_ip_and_by_each_name(cluster: LocalCluster) -> None:
    ip = cluster.get_json("service/web", "-n", NS)["spec"]["clusterIP"]
    for zone in "abc":
        for host in (ip, "web", f"web.{NS}", f"web.{NS}.svc.cluster.local"):
            answer = wait_for(f"client-{zone} -> {host}", lambda h=host, z=zone: http_from(cluster, f"client-{z}", h),
                              60, interval=1)
            assert any(name in answer for name in web_hostnames(cluster)), answer


def test_names_resolve_to_the_cluster_ip_and_others_are_nxdomain(cluster: LocalCluster) -> None:
    ip = cluster.get_json("service/web", "-n", NS)["spec"]["clusterIP"]
    code, out = in_pod(cluster, "client-b", f"nslookup web.{NS}.svc.cluster.local")
    assert code == 0 and ip in out, out
    code, out = in_pod(cluster, "client-b", f"nslookup nosuch.{NS}.svc.cluster.local")
    assert code != 0 or "NXDOMAIN" in out or "can't find" in out, out
    code, out = in_pod(cluster, "client-b", "cat /etc/resolv.conf")
    assert "nameserver 10.96.0.10" in out and f"search {NS}.svc.cluster.local svc.cluster.local cluster.local" in out


def machine_addresses() -> list[str]:
    addresses = {"127.0.0.1"}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.254", 9))  # no packet is sent: this picks the default route's source
            addresses.add(s.getsockname()[0])
        except OSError:
            pass
    return sorted(addresses)


def test_node_port_answers_on_every_machine_address_and_from_pods(cluster: LocalCluster) -> None:
    port = cluster.get_json("service/web", "-n", NS)["spec"]["ports"][0]["nodePort"]
    for address in machine_addresses():
        def get(a: str = address) -> bytes:
            try:
                with socket.create_connection((a, port), timeout=5) as s:
                    s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
                    return b"".join(iter(lambda: s.recv(4096), b""))
            except OSError:
                return b""
        answer = wait_for(f"NodePort {address}:{port}", get, 60, interval=1)
        assert answer.startswith(b"HTTP/1.") and b"web-" in answer, answer
    host = machine_addresses()[-1]
    assert "web-" in wait_for("NodePort from a pod", lambda: http_from(cluster, "client-c", host, port), 60)


def test_a_service_without_ready_endpoints_refuses_at_once(cluster: LocalCluster) -> None:
    ip = cluster.get_json("service/idle", "-n", NS)["spec"]["clusterIP"]
    started = time.monotonic()
    code, out = in_pod(cluster, "client-a", f"printf x | nc -w20 {ip} 80; echo rc=$?")
    # refused by the proxy's REJECT: well before nc's 20 s timeout would have ended a hang
    assert "rc=0" not in out and time.monotonic() - started < 15, out


def test_scaling_changes_what_the_service_balances_to(cluster: LocalCluster) -> None:
    cluster.kubectl("scale", "-n", NS, "deployment/web", "--replicas=3")
    wait_for("three ready web pods", lambda: len(ready_pods(cluster, "app=web", NS)) == 3, 120)
    names = web_hostnames(cluster)
    seen: set[str] = set()
    script = "; ".join(["printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w3 web 80"] * 30)

    def all_answer() -> bool:
        _, out = in_pod(cluster, "client-a", script, timeout=90)
        seen.update(n for n in names if n in out)
        return seen == names
    wait_for(f"answers from all of {sorted(names)}", all_answer, 90, interval=0.5)
    cluster.kubectl("scale", "-n", NS, "deployment/web", "--replicas=1")
    wait_for("one web pod", lambda: len(web_hostnames(cluster)) == 1, 120)
    (left,) = web_hostnames(cluster)

    def only_left() -> bool:
        _, out = in_pod(cluster, "client-a", script, timeout=90)
        return left in out and not any(n in out for n in names - {left})
    wait_for(f"answers only from {left}", only_left, 60, interval=0.5)
