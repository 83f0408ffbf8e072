"""Pods' DNS with real Docker: the resolv.conf each dnsPolicy gives the containers (which
share the pause container's network namespace), the service-link variables, and a name
resolved inside a pod through a real `kube dns` on the pod network's gateway."""

from __future__ import annotations

import asyncio
import sys

from kube.api.registry import resolve
from kube.component.resolv_conf import read_resolv_conf
from tests.apiserver.conftest import eventually
from tests.node.conftest import DockerNode
from tests.node.test_docker_pods import docker_exec, pod, running_ready, sh, wait_pod

SERVICE = resolve("services")
WEB = {"metadata": {"name": "web", "namespace": "default"},
       "spec": {"clusterIP": "10.96.0.33", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}


async def test_resolv_conf_per_policy_and_service_links(docker_node: DockerNode) -> None:
    client, node = docker_node.client, docker_node.name
    await client.create(SERVICE, WEB, "default")
    await client.create(resolve("pods"), pod("first", node, [sh("app", "sleep 3600"), sh("side", "sleep 3600")]),
                        "default")
    await client.create(resolve("pods"), pod("none", node, [sh("app", "sleep 3600")], dnsPolicy="None",
                                             enableServiceLinks=False, dnsConfig={
                                                 "nameservers": ["1.2.3.4"], "searches": ["my.search"],
                                                 "options": [{"name": "ndots", "value": "2"}]}), "default")
    await client.create(resolve("pods"), pod("host", node, [sh("app", "sleep 3600")], dnsPolicy="Default"), "default")
    first = await wait_pod(docker_node, "first", running_ready, timeout=90)
    cluster_first = ("nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local"
                     + "".join(f" {s}" for s in read_resolv_conf().searches) + "\noptions ndots:5\n")
    for container in ("app", "side"):  # both containers of the pod, in the pause container's namespace
        assert docker_exec(first, container, "cat /etc/resolv.conf") == cluster_first
    env = dict(line.split("=", 1) for line in docker_exec(first, "app", "env").splitlines() if "=" in line)
    assert env["WEB_SERVICE_HOST"] == "10.96.0.33" and env["WEB_SERVICE_PORT_HTTP"] == "80"
    assert env["WEB_PORT_80_TCP"] == "tcp://10.96.0.33:80" and env["KUBERNETES_SERVICE_PORT"] == "443"

    none = await wait_pod(docker_node, "none", running_ready, timeout=90)
    assert docker_exec(none, "app", "cat /etc/resolv.conf") == "nameserver 1.2.3.4\nsearch my.search\noptions ndots:2\n"
    assert "WEB_SERVICE_HOST" not in docker_exec(none, "app", "env")  # enableServiceLinks: false
    assert "KUBERNETES_SERVICE_HOST" in docker_exec(none, "app", "env")  # ... but always the API server's

    host = await wait_pod(docker_node, "host", running_ready, timeout=90)
    assert docker_exec(host, "app", "cat /etc/resolv.conf") == read_resolv_conf().render()


async def test_a_pod_resolves_a_service_name_through_kube_dns(docker_node: DockerNode, kubeconfig) -> None:  # noqa: ANN001
    client, node = docker_node.client, docker_node.name
    await client.create(SERVICE, WEB, "default")
    await client.create(resolve("pods"), pod("probe", node, [sh("app", "sleep 3600")]), "default")
    probe = await wait_pod(docker_node, "probe", running_ready, timeout=90)
    gateway = docker_exec(probe, "app", "ip route | awk '/^default/ {print $3}'").strip()
    assert gateway, "the pod has no default route"
    dns = await asyncio.create_subprocess_exec(  # asyncio's: the API server runs in this test's event loop
        sys.executable, "-m", "kube", "dns", "--kubeconfig", str(kubeconfig), "--bind-address", gateway,
        "--dns-port", "53", "--port", "0", "--advertise-address", gateway, "--hostname-override", f"test-{node}",
        "--upstream", "127.0.0.1:9", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        spec = {"dnsPolicy": "None", "dnsConfig": {
            "nameservers": [gateway], "searches": ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
            "options": [{"name": "ndots", "value": "5"}]}}
        await client.create(resolve("pods"), pod("asker", node, [sh("app", "sleep 3600")], **spec), "default")
        asker = await wait_pod(docker_node, "asker", running_ready, timeout=90)

        async def resolved(command: str) -> str | None:
            out = await asyncio.to_thread(docker_exec, asker, "app", command)
            return out if "10.96.0.33" in out else None

        assert await eventually(lambda: resolved("nslookup web.default.svc.cluster.local"), timeout=60, interval=0.5)
        ping = await resolved("ping -c 1 -W 1 web 2>&1 | head -1")  # the libc resolver: search list and ndots
        assert ping is not None and "web" in ping, ping
        missing = await asyncio.to_thread(docker_exec, asker, "app", "nslookup nope.default.svc.cluster.local")
        assert "NXDOMAIN" in missing or "can't find" in missing, missing
    finally:
        dns.terminate()
        assert await asyncio.wait_for(dns.wait(), 30) == 0
