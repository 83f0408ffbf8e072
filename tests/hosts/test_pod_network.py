"""The pod network across hosts: an API server on one host, a Docker node agent on each of
two others (each host its own Docker); a pod on each minion reaches the pod on the other by
IP and sees the other's own pod IP as the source, over vxlan and over host-gw; with a `kube
proxy` on each minion and `kube dns` on the master, a pod on one minion reaches a Service whose
pod runs on the other, by ClusterIP and by name, keeping its source IP; a Node deleted from
the cluster loses its route, neighbour and FDB entry on the other minion."""

from __future__ import annotations

import json
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hack.hosts.host import Host
from tests.hosts.test_daemons_on_hosts import kube_certs

pytestmark = pytest.mark.hosts
PORT = 16445
STATE = "/var/lib/kube-podnet"
AGENT = "kube-node-podnet"
PROXY_HEALTH = 10256  # the minions' proxies serve /metrics here (inside each host)
IMAGES = ("kube.local/pause:1", "kube.local/busybox:1")
# busybox httpd answers a CGI with the peer's address: the source IP the server pod saw
SERVER = ("mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip"
          " && chmod +x /www/cgi-bin/ip && exec httpd -f -p 8080 -h /www")


class Api:
    def __init__(self, master: Host, pki: Path) -> None:
        self.base = f"https://{master.ip}:{PORT}"
        self.ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        self.ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))

    def call(self, method: str, path: str, body: Any = None, ctype: str = "application/json") -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": ctype})
        with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
            return json.load(r)

    def patch(self, path: str, body: Any) -> dict:
        return self.call("PATCH", path, body, "application/merge-patch+json")


def wait_for(what: str, check: Callable[[], Any], timeout: float = 120, why: Callable[[], str] = str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = check()
            if got:
                return got
        except OSError:
            pass
        time.sleep(1)
    pytest.fail(f"{what}: not in {timeout:.0f}s\n{why()}")


def load_images(hosts: list[Host], tmp: Path) -> None:
    from kube.node.images import build_images

    build_images()  # made on this machine when missing (never pulled)
    archive = tmp / "images.tar"
    subprocess.run(["docker", "save", "-o", str(archive), *IMAGES], check=True, capture_output=True)
    for h in hosts:
        with archive.open("rb") as f:
            subprocess.run(["docker", "exec", "-i", h.name, "docker", "load"], stdin=f, check=True,
                           capture_output=True, timeout=120)


class PodNet:
    """The module's cluster: the minions' agents are restarted with another --network."""

    def __init__(self, master: Host, minions: list[Host], api: Api) -> None:
        self.master, self.minions, self.api = master, minions, api

    def start(self, mode: str) -> None:
        for m in self.minions:
            m.stop_daemon(AGENT)
            m.exec("/opt/kube/current/bin/python", "-c", "from kube.node.network import cleanup; cleanup()")
            m.start_daemon(AGENT, [
                "/usr/local/bin/kube", "node", "--runtime", "docker", "--kubeconfig", f"{STATE}/node.kubeconfig",
                "--hostname-override", m.name, "--node-ip", m.ip, "--root-dir", f"{STATE}/node",
                "--network", mode, "--cluster-cidr", "10.244.0.0/16"])
        for i, m in enumerate(self.minions):
            wait_for(f"{m.name} registered", lambda m=m: self.api.call("GET", f"/api/v1/nodes/{m.name}"),
                     why=lambda m=m: m.journal(AGENT))
            cidr = f"10.244.{i + 1}.0/24"
            node = self.api.call("GET", f"/api/v1/nodes/{m.name}")
            if node["spec"].get("podCIDR") != cidr:  # node IPAM's job (no controller manager here)
                self.api.patch(f"/api/v1/nodes/{m.name}", {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}})
            wait_for(f"{m.name} publishes {mode}", lambda m=m: self.api.call("GET", f"/api/v1/nodes/{m.name}")
                     ["metadata"].get("annotations", {}).get("flannel.alpha.coreos.com/backend-type") == mode,
                     why=lambda m=m: m.journal(AGENT))

    def pod(self, name: str, minion: Host) -> str:
        """A busybox pod bound to `minion` answering its CGI on :8080; returns its IP."""
        path = f"/api/v1/namespaces/default/pods/{name}"
        try:
            self.api.call("GET", path)
        except urllib.error.HTTPError:
            self.api.call("POST", "/api/v1/namespaces/default/pods", {
                "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"nodeName": minion.name, "terminationGracePeriodSeconds": 0,
                         "containers": [{"name": "c", "image": "kube.local/busybox:1",
                                         "command": ["sh", "-c", SERVER]}]}})
        pod = wait_for(f"pod {name} running", lambda: (lambda p: p if p["status"].get("phase") == "Running"
                                                       and p["status"].get("podIP") else None)(self.api.call("GET", path)),
                       why=lambda: minion.journal(AGENT))
        return pod["status"]["podIP"]

    def fetch(self, minion: Host, pod: str, ip: str, port: int = 8080) -> str:
        """From inside `pod` (on `minion`): what the server at ip:port saw as our address."""
        cid = minion.exec("docker", "ps", "-q", "--filter", f"label=io.kube.pod.name={pod}",
                          "--filter", "label=io.kube.container.kind=app").stdout.split()[0]
        out = minion.exec("docker", "exec", cid, "sh", "-c",
                          f"printf 'GET /cgi-bin/ip HTTP/1.0\\r\\n\\r\\n' | nc -w3 {ip} {port}", check=False)
        seen = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        return seen.removeprefix("[::ffff:").removesuffix("]")  # httpd listens on [::]: a v4-mapped address


@pytest.fixture(scope="module")
def podnet(make_hosts, kube_wheel, wheelhouse, tmp_path_factory):
    master, *minions = make_hosts(3)
    pki = tmp_path_factory.mktemp("pki")
    kube_certs(pki, "--hosts", master.ip)
    for m in minions:
        kube_certs(pki, "--client", f"system:node:{m.name}", "--groups", "system:nodes",
                   "--kubeconfig", str(pki / f"{m.name}.kubeconfig"), "--server", f"https://{master.ip}:{PORT}")
    kube_certs(pki, "--client", "kube-admin", "--groups", "system:masters", "--kubeconfig",
               str(pki / "admin.kubeconfig"), "--server", f"https://{master.ip}:{PORT}")
    for h in (master, *minions):
        h.install_wheel(kube_wheel, wheelhouse)
        h.sh(f"rm -rf {STATE} && mkdir -p {STATE}")
    for name in ("ca.crt", "apiserver.crt", "apiserver.key"):
        subprocess.run(["docker", "cp", str(pki / name), f"{master.name}:{STATE}/{name}"], check=True)
    for h in (master, *minions):
        subprocess.run(["docker", "cp", str(pki / "admin.kubeconfig"), f"{h.name}:{STATE}/admin.kubeconfig"],
                       check=True)
    for m in minions:
        subprocess.run(["docker", "cp", str(pki / f"{m.name}.kubeconfig"), f"{m.name}:{STATE}/node.kubeconfig"],
                       check=True)
        m.sh("for i in $(seq 120); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1")
    load_images(minions, tmp_path_factory.mktemp("images"))
    master.start_daemon("kube-apiserver-podnet", [
        "/usr/local/bin/kube", "apiserver", "--store", f"sqlite:{STATE}/state.db", "--secure-port", str(PORT),
        "--tls-cert-file", f"{STATE}/apiserver.crt", "--tls-private-key-file", f"{STATE}/apiserver.key",
        "--client-ca-file", f"{STATE}/ca.crt"])
    api = Api(master, pki)
    wait_for("the API server", lambda: api.call("GET", "/api/v1/namespaces/default"),
             why=lambda: master.journal("kube-apiserver-podnet"))
    yield PodNet(master, minions, api)
    for m in minions:
        m.stop_daemon(AGENT)
        m.sh("docker rm -f $(docker ps -aq --filter label=io.kube.managed=true) >/dev/null 2>&1; true")
        m.exec("/opt/kube/current/bin/python", "-c", "from kube.node.network import cleanup; cleanup()",
               check=False)
    master.stop_daemon("kube-apiserver-podnet")


def both_ways(net: PodNet) -> None:
    (m1, m2) = net.minions
    ip1, ip2 = net.pod("p1", m1), net.pod("p2", m2)
    # Docker re-inserts its MASQUERADE above ours when it makes a pod network; the agent's next pass repairs it
    wait_for("p1 -> p2 with p1's own IP", lambda: net.fetch(m1, "p1", ip2) == ip1, timeout=60,
             why=lambda: m1.exec("iptables-save", "-t", "nat").stdout + m1.journal(AGENT))
    wait_for("p2 -> p1 with p2's own IP", lambda: net.fetch(m2, "p2", ip1) == ip2, timeout=60,
             why=lambda: m2.exec("iptables-save", "-t", "nat").stdout + m2.journal(AGENT))


def test_pods_on_two_hosts_reach_each_other_over_host_gw(podnet: PodNet) -> None:
    podnet.start("host-gw")
    both_ways(podnet)
    m1, m2 = podnet.minions
    assert f"10.244.2.0/24 via {m2.ip} dev eth0 proto 107" in m1.exec("ip", "route").stdout
    assert "vxlan.kube" not in m1.exec("ip", "link").stdout


def test_pods_on_two_hosts_reach_each_other_over_vxlan(podnet: PodNet) -> None:
    podnet.start("vxlan")
    both_ways(podnet)
    m1, m2 = podnet.minions
    assert "10.244.2.0/24 via 10.244.2.0 dev vxlan.kube proto 107 onlink" in m1.exec("ip", "route").stdout
    link = m1.exec("ip", "-d", "link", "show", "vxlan.kube").stdout
    assert "vxlan id 1" in link and f"local {m1.ip}" in link and "dstport 4789" in link and "nolearning" in link
    mac = json.loads(podnet.api.call("GET", f"/api/v1/nodes/{m2.name}")["metadata"]["annotations"]
                     ["flannel.alpha.coreos.com/backend-data"])["VtepMAC"]
    assert f"{mac} dst {m2.ip}" in m1.exec("bridge", "fdb", "show", "dev", "vxlan.kube").stdout


def test_a_service_on_one_host_answers_a_pod_on_the_other_by_cluster_ip_and_by_name(podnet: PodNet) -> None:
    m1, m2 = podnet.minions
    master = podnet.master
    ip1 = podnet.pod("p1", m1)
    kubeconfig = f"{STATE}/admin.kubeconfig"
    master.start_daemon("kube-cm-podnet", ["/usr/local/bin/kube", "controller-manager", "--kubeconfig", kubeconfig,
                                           "--controllers", "endpointslice", "--port", "0"])
    master.start_daemon("kube-dns-podnet", ["/usr/local/bin/kube", "dns", "--kubeconfig", kubeconfig,
                                            "--advertise-address", master.ip, "--port", "0"])
    for m in podnet.minions:
        m.start_daemon("kube-proxy-podnet", ["/usr/local/bin/kube", "proxy", "--kubeconfig", f"{STATE}/admin.kubeconfig",
                                             "--hostname-override", m.name, "--cluster-cidr", "10.244.0.0/16",
                                             "--port", str(PROXY_HEALTH)])
    try:
        podnet.api.call("POST", "/api/v1/namespaces/default/services", {
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
        podnet.api.call("POST", "/api/v1/namespaces/default/pods", {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"nodeName": m2.name, "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "c", "image": "kube.local/busybox:1", "command": ["sh", "-c", SERVER]}]}})
        ip = podnet.api.call("GET", "/api/v1/namespaces/default/services/web")["spec"]["clusterIP"]
        wait_for("p1 -> web's ClusterIP keeping p1's IP", lambda: podnet.fetch(m1, "p1", ip, 80) == ip1, timeout=90,
                 why=lambda: m1.exec("iptables-save", "-t", "nat").stdout + m1.journal("kube-proxy-podnet"))
        wait_for("p1 -> web by name through kube dns on the master",
                 lambda: podnet.fetch(m1, "p1", "web.default.svc.cluster.local", 80) == ip1, timeout=90,
                 why=lambda: master.journal("kube-dns-podnet") + m1.journal("kube-proxy-podnet"))
        print_programming_latency(podnet.minions)
    finally:
        for m in podnet.minions:
            m.stop_daemon("kube-proxy-podnet")
            m.exec("/usr/local/bin/kube", "proxy", "--cleanup", check=False)
        master.stop_daemon("kube-dns-podnet")
        master.stop_daemon("kube-cm-podnet")


def print_programming_latency(minions: list[Host]) -> None:
    """Each minion's kubeproxy_network_programming_duration_seconds, for docs/benchmarks.md (pytest -s)."""
    for m in minions:
        text = m.exec("python3", "-c", f"import urllib.request; print(urllib.request.urlopen("
                      f"'http://127.0.0.1:{PROXY_HEALTH}/metrics', timeout=5).read().decode())", check=False).stdout
        lines = [line for line in text.splitlines() if line.startswith("kubeproxy_network_programming_duration")]
        print(f"{m.name}: " + "; ".join(line.split(" ", 1)[0].split("{")[-1].rstrip("}") + " " + line.split()[-1]
                                        for line in lines if "le=" not in line or any(
                                            f'le="{b}"' in line for b in ("0.1", "0.25", "0.5", "1.0", "+Inf"))))


def test_a_deleted_node_loses_its_routes_on_the_other_host(podnet: PodNet) -> None:
    m1, m2 = podnet.minions
    m2.stop_daemon(AGENT)  # else it registers again
    podnet.api.call("DELETE", f"/api/v1/nodes/{m2.name}")
    wait_for("m2's route, neighbour and FDB entry gone on m1",
             lambda: "10.244.2.0" not in m1.exec("ip", "route").stdout
             and "10.244.2.0" not in m1.exec("ip", "neigh", "show", "dev", "vxlan.kube").stdout
             and m2.ip not in m1.exec("bridge", "fdb", "show", "dev", "vxlan.kube").stdout,
             timeout=60, why=lambda: m1.journal(AGENT))
