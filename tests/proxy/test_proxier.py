"""The whole loop through a real (in-process) API server: Services and EndpointSlices in,
userspace NodePort listeners out."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from kube.api.registry import resolve
from kube.client.rest import RestClient
from kube.proxy.proxier import Proxier
from kube.proxy.userspace import UserspaceProxier
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.metric_samples import sample
from tests.proxy.loopback_backends import ask, named_backends

SERVICE, SLICE = resolve("services"), resolve("endpointslices")


def slice_body(name: str, port: int) -> dict:
    """One slice per backend port (the backends all listen on 127.0.0.1)."""
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"web-{name}", "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4", "endpoints": [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}],
            "ports": [{"name": "http", "port": port, "protocol": "TCP"}]}


async def test_nodeport_follows_services_and_endpoint_slices(kubeconfig: Path) -> None:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    proxier = Proxier(client, UserspaceProxier(), min_sync_period=0.01)
    task = asyncio.create_task(proxier.run())
    try:
        async with named_backends(["a", "b"]) as ports:
            node_port = random.randint(31000, 32700)
            svc = await client.create(SERVICE, {
                "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                "spec": {"type": "NodePort", "selector": {"app": "web"},
                         "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": node_port}]}},
                "default")
            assert svc["spec"]["clusterIP"]
            for name, port in ports.items():
                await client.create(SLICE, slice_body(name, port), "default")

            async def both_answer() -> bool:
                try:
                    return {await ask(node_port) for _ in range(4)} == {"a", "b"}
                except OSError:
                    return False

            await eventually(both_answer, timeout=20)
            await client.delete(SLICE, "web-a", "default")

            async def only_b() -> bool:
                return {await ask(node_port) for _ in range(4)} == {"b"}

            await eventually(only_b, timeout=20)
            assert proxier.stats.syncs >= 2 and proxier.healthy()
            assert sample(proxier.registry, "kubeproxy_sync_proxy_rules_total") == proxier.stats.syncs
            assert sample(proxier.registry, "kubeproxy_service_ports") == len(proxier.targets) >= 1
            await client.delete(SERVICE, "web", "default")
            await eventually(lambda: asyncio.sleep(0, result=all(t.name != "web" for t in proxier.targets)),
                             timeout=20)
            assert node_port not in proxier.executor.forwarders  # type: ignore[attr-defined]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.close()
