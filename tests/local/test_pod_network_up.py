"""`kube up` with three docker minions sharing this machine's network namespace: a pod on
minion a reaches a pod on minion c by IP and the server sees a's own pod IP (no NAT
between the pod bridges; Docker's isolation between bridges is let through)."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from kube.local.container_cleanup import remove_cluster_containers
from tests.conftest import free_port
from tests.fixtures.requirements import require_docker
from tests.local.local_cluster import LocalCluster, free_port_run, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.docker]
SERVER = ("mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip"
          " && chmod +x /www/cgi-bin/ip && exec httpd -f -p 8080 -h /www")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    require_docker()
    base = tmp_path_factory.mktemp("up-podnet")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    c.prefix = f"n{uuid.uuid4().hex[:4]}"  # type: ignore[attr-defined]
    try:
        c.up("--runtime", "docker", "--name-prefix", c.prefix,  # type: ignore[attr-defined]
             "--cluster-cidr", "10.244.128.0/18", kubelet_port=free_port_run(3))
        yield c
    finally:
        c.down()
        remove_cluster_containers(str(c.root))


def pod_ip(cluster: LocalCluster, name: str, node: str) -> str:
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"nodeName": node, "terminationGracePeriodSeconds": 0,
                         "containers": [{"name": "c", "image": "kube.local/busybox:1", "command": ["sh", "-c", SERVER]}]}}
    subprocess.run([*kubectl_argv(cluster), "apply", "-f", "-"], input=json.dumps(manifest),
                   text=True, check=True, capture_output=True, timeout=60)
    return wait_for(f"{name} running", lambda: (lambda p: p["status"].get("podIP")
                    if p["status"].get("phase") == "Running" else None)(cluster.get_json(f"pod/{name}")), 120)


def kubectl_argv(cluster: LocalCluster) -> list[str]:
    from tests.local.local_cluster import KUBECTL

    return [KUBECTL, "--kubeconfig", str(cluster.kubeconfig), "--cache-dir", str(cluster.cache)]


def seen_by_server(node: str, pod: str, ip: str) -> str:
    cid = subprocess.run(["docker", "ps", "-q", "--filter", f"label=io.kube.node.name={node}", "--filter",
                          f"label=io.kube.pod.name={pod}", "--filter", "label=io.kube.container.kind=app"],
                         capture_output=True, text=True, check=True).stdout.split()[0]
    out = subprocess.run(["docker", "exec", cid, "sh", "-c",
                          f"printf 'GET /cgi-bin/ip HTTP/1.0\\r\\n\\r\\n' | nc -w3 {ip} 8080"],
                         capture_output=True, text=True, timeout=30).stdout.strip()
    seen = out.splitlines()[-1] if out else ""
    return seen.removeprefix("[::ffff:").removesuffix("]")  # httpd listens on [::]: a v4-mapped address


def test_a_pod_on_minion_a_reaches_one_on_minion_c_with_its_own_ip(cluster: LocalCluster) -> None:
    a, c = f"{cluster.prefix}-a", f"{cluster.prefix}-c"  # type: ignore[attr-defined]
    ip_a, ip_c = pod_ip(cluster, "pa", a), pod_ip(cluster, "pc", c)
    # the agents' next pass puts our POSTROUTING jump back above the MASQUERADE Docker inserted
    wait_for("pa -> pc keeping pa's IP", lambda: seen_by_server(a, "pa", ip_c) == ip_a, 60, interval=1)
    wait_for("pc -> pa keeping pc's IP", lambda: seen_by_server(c, "pc", ip_a) == ip_c, 60, interval=1)
