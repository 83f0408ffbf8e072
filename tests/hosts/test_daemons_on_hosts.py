"""Daemons started on hosts with `docker exec` form a cluster across hosts: the API server on
one host, a Docker node agent on another registers its Node with the stamped kubeletVersion
and the inner Docker as its runtime; stopping the agent stops its heartbeat."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hack.hosts.host import Host
from tests.fixtures.hosts import STAMPED_VERSION

pytestmark = pytest.mark.hosts
PORT = 16444
STATE = "/var/lib/kube-crosshost"


def kube_certs(pki: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "kube", "certs", "--cert-dir", str(pki), *args], check=True,
                   capture_output=True, timeout=120)


def get(url: str, pki: Path) -> dict:
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))  # the serving cert names the host's IP
    ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
        return json.load(r)


@pytest.fixture(scope="module")
def cluster(make_hosts, kube_wheel, wheelhouse, tmp_path_factory):
    master, minion = make_hosts(2)
    pki = tmp_path_factory.mktemp("pki")
    kube_certs(pki, "--hosts", master.ip)
    kube_certs(pki, "--client", f"system:node:{minion.name}", "--groups", "system:nodes",
               "--kubeconfig", str(pki / "node.kubeconfig"), "--server", f"https://{master.ip}:{PORT}")
    for host in (master, minion):
        host.install_wheel(kube_wheel, wheelhouse)
        host.sh(f"rm -rf {STATE} && mkdir -p {STATE}")
    for name in ("ca.crt", "apiserver.crt", "apiserver.key"):
        subprocess.run(["docker", "cp", str(pki / name), f"{master.name}:{STATE}/{name}"], check=True)
    subprocess.run(["docker", "cp", str(pki / "node.kubeconfig"), f"{minion.name}:{STATE}/node.kubeconfig"],
                   check=True)
    master.start_daemon("kube-apiserver-crosshost", [
        "/usr/local/bin/kube", "apiserver", "--store", f"sqlite:{STATE}/state.db", "--secure-port", str(PORT),
        "--tls-cert-file", f"{STATE}/apiserver.crt", "--tls-private-key-file", f"{STATE}/apiserver.key",
        "--client-ca-file", f"{STATE}/ca.crt"])
    minion.sh("for i in $(seq 120); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1")
    minion.start_daemon("kube-node-crosshost", [
        "/usr/local/bin/kube", "node", "--runtime", "docker", "--kubeconfig", f"{STATE}/node.kubeconfig",
        "--hostname-override", minion.name, "--node-ip", minion.ip, "--root-dir", f"{STATE}/node"])
    yield master, minion, pki
    minion.stop_daemon("kube-node-crosshost")
    master.stop_daemon("kube-apiserver-crosshost")


def wait_node(master: Host, minion: Host, pki: Path, timeout: float = 180) -> dict:
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            return get(f"https://{master.ip}:{PORT}/api/v1/nodes/{minion.name}", pki)
        except OSError as e:  # not up yet, or the Node not registered yet (404)
            last = e
            time.sleep(1)
    pytest.fail(f"{minion.name} never registered ({last}):\n{minion.journal('kube-node-crosshost')}\n"
                f"{master.journal('kube-apiserver-crosshost')}")


def test_a_node_on_one_host_registers_with_the_api_server_on_another(cluster) -> None:
    master, minion, pki = cluster
    node = wait_node(master, minion, pki)
    info = node["status"]["nodeInfo"]
    assert info["kubeletVersion"] == f"v{STAMPED_VERSION}"
    assert info["containerRuntimeVersion"].startswith("docker://")
    addresses = {a["type"]: a["address"] for a in node["status"]["addresses"]}
    assert addresses.get("InternalIP") == minion.ip
    version = get(f"https://{master.ip}:{PORT}/version", pki)
    assert version["gitCommit"] == f"kube-{STAMPED_VERSION}"


def test_a_stopped_agent_stops_renewing_its_lease(cluster) -> None:
    master, minion, pki = cluster
    wait_node(master, minion, pki)
    lease_url = f"https://{master.ip}:{PORT}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{minion.name}"

    def renew_time() -> str:
        return get(lease_url, pki)["spec"].get("renewTime", "")

    deadline = time.monotonic() + 120
    first = renew_time()
    while renew_time() == first:  # the agent renews while it runs
        assert time.monotonic() < deadline, minion.journal("kube-node-crosshost")
        time.sleep(1)
    minion.stop_daemon("kube-node-crosshost")
    assert minion.daemon_state("kube-node-crosshost") in ("inactive", "unknown")
    stopped = renew_time()
    time.sleep(25)  # several renew intervals
    assert renew_time() == stopped
