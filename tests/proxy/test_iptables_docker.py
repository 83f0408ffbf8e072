"""iptables mode against real docker pods: NodePort from the host's loopback, ClusterIP
from inside a pod (the host's own route to 10.96.0.0/12 is a blackhole here, so a
ClusterIP cannot be dialled from the host itself), removal from rotation, exact cleanup."""

from __future__ import annotations

import asyncio
import random
import subprocess
from typing import Any

from kube.api.registry import resolve
from kube.proxy import iptables_executor
from kube.proxy.proxier import IptablesExecutor, Proxier
from tests.apiserver.conftest import eventually
from tests.node.cluster import bound_pod
from tests.node.conftest import DockerNode, docker_node, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.proxy.iptables_requirements import kube_chains, require_iptables
from tests.proxy.loopback_backends import ask

POD, SERVICE, SLICE = resolve("pods"), resolve("services"), resolve("endpointslices")


def web_pod(name: str, node: str) -> dict[str, Any]:
    body = bound_pod(name, node, labels={"app": "web"})
    body["spec"]["containers"][0]["command"] = [
        "sh", "-c", f"mkdir -p /www && echo {name} > /www/index.html && exec httpd -f -p 8080 -h /www"]
    body["spec"]["terminationGracePeriodSeconds"] = 1
    return body


def container_of(pod: str) -> str:
    out = subprocess.run(["docker", "ps", "-q", "--filter", f"label=io.kube.pod.name={pod}",
                          "--filter", "label=io.kube.container.kind=app"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out, f"no running container for pod {pod}"
    return out[0]


def http_get_from(pod: str, ip: str, port: int, times: int) -> list[str]:
    """Plain HTTP/1.0 GETs with busybox nc from inside a pod (busybox-static's wget crashes there)."""
    script = (f"for i in $(seq {times}); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {ip} {port} | tail -n 1"
              " | grep . || echo FAIL; done")
    out = subprocess.run(["docker", "exec", container_of(pod), "sh", "-c", script],
                         capture_output=True, text=True, timeout=120)
    return out.stdout.split()


async def test_clusterip_and_nodeport_balance_over_ready_pods(docker_node: DockerNode) -> None:  # noqa: F811
    require_iptables()
    client = docker_node.client
    names = [f"web-{i}-{random.randint(1000, 9999)}" for i in range(3)]
    client_pod = f"client-{random.randint(1000, 9999)}"  # not a backend: hairpin is the bridge's business
    for name in [*names, client_pod]:
        await client.create(POD, web_pod(name, docker_node.name), "default")

    async def pod_ips() -> dict[str, str] | None:
        ips = {}
        for name in [*names, client_pod]:
            pod = await client.get(POD, name, "default")
            ip = (pod.get("status") or {}).get("podIP")
            if not ip or (pod.get("status") or {}).get("phase") != "Running":
                return None
            ips[name] = ip
        return ips

    ips = await eventually(pod_ips, timeout=60, interval=0.2)
    node_port = random.randint(31000, 32700)
    svc = await client.create(SERVICE, {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "selector": {"app": "web"},
                 "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": node_port}]}}, "default")
    cluster_ip = svc["spec"]["clusterIP"]

    async def set_endpoints(ready: list[str]) -> None:
        """The EndpointSlice the controller would write (the proxy reads slices)."""
        body = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": "web-manual", "labels": {"kubernetes.io/service-name": "web"}},
                "addressType": "IPv4",
                "endpoints": [{"addresses": [ips[n]], "conditions": {"ready": True}} for n in ready],
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
        try:
            current = await client.get(SLICE, "web-manual", "default")
            body["metadata"] = current["metadata"]
            await client.update(SLICE, body, "default")
        except Exception:
            await client.create(SLICE, body, "default")

    await set_endpoints(names)
    proxier = Proxier(client, IptablesExecutor("10.244.0.0/16"), min_sync_period=0.05)
    iptables_executor.enable_route_localnet()
    task = asyncio.create_task(proxier.run())
    try:
        async def nodeport_answers(want: set[str]) -> bool:
            seen = set()
            for _ in range(30):
                try:
                    seen.add((await ask(node_port)).split("\r\n\r\n", 1)[-1].strip())
                except OSError:
                    return False
            return seen == want

        await eventually(lambda: nodeport_answers(set(names)), timeout=30, interval=0.3)
        from_pod = await asyncio.to_thread(http_get_from, client_pod, cluster_ip, 80, 30)
        assert "FAIL" not in from_pod and set(from_pod) == set(names)

        await client.delete(POD, names[2], "default")  # what the endpoints controller then reports:
        await set_endpoints(names[:2])
        await eventually(lambda: nodeport_answers(set(names[:2])), timeout=30, interval=0.3)

        await set_endpoints([])  # no ready endpoint: REJECT, the connection is refused at once
        async def refused() -> bool:
            try:
                await ask(node_port)
            except ConnectionRefusedError:
                return True
            return False
        await eventually(refused, timeout=30, interval=0.3)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        iptables_executor.cleanup()
    assert kube_chains() == []
