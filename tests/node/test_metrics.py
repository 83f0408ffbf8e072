"""The node agent's /metrics as Prometheus reads it: the fleet's nodes, pods, Lease heartbeats,
pod syncs and pod queue on the registry it is given, served by the log server's /metrics."""

from __future__ import annotations

import asyncio

import aiohttp
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from kube.client.rest import RestClient
from kube.node.fleet import NodeFleet
from kube.node.log_server import make_app, serve
from kube.node.simulated_fleet import simulated_agents
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.conftest import free_port
from tests.metric_samples import sample, scrape
from tests.node.cluster import POD, assign_pod_cidrs, bound_pod


async def test_fleet_metrics_parse_with_their_names(kubeconfig) -> None:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    registry = CollectorRegistry()
    fleet = NodeFleet(client, simulated_agents(client, count=2, zones=["a"], name_prefix="m"),
                      lease_interval=0.5, registry=registry)
    assert fleet.registry is registry
    await asyncio.wait_for(fleet.start(), 60)
    try:
        await assign_pod_cidrs(client, ["m-0", "m-1"])
        await client.create(POD, bound_pod("web", "m-0"), "default")

        async def running() -> bool:
            return (await client.get(POD, "web", "default"))["status"].get("phase") == "Running"

        await eventually(running, timeout=30)

        async def renewed() -> bool:
            return (sample(registry, "kube_node_lease_renewals_total") or 0) >= 2

        await eventually(renewed, timeout=30)
        families = scrape(registry)
        assert families["kube_node_agent_nodes"].type == "gauge"
        assert families["kube_node_lease_renewals"].type == "counter"
        assert families["kubelet_pod_worker_duration_seconds"].type == "histogram"
        assert sample(registry, "kube_node_agent_nodes") == 2
        assert sample(registry, "kube_node_agent_pods") == 1
        assert sample(registry, "kubelet_running_pods") == 1
        assert sample(registry, "kube_node_lease_renewal_failures_total") == 0
        assert sample(registry, "kubelet_pod_worker_duration_seconds_count", operation_type="sync") >= 1
        assert sample(registry, "workqueue_adds_total", name="pods") >= 1
        assert sample(registry, "workqueue_depth", name="pods") is not None
    finally:
        await fleet.stop()
        await client.close()


async def test_log_server_serves_the_registry_and_health(kubeconfig) -> None:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    fleet = NodeFleet(client, simulated_agents(client, count=3, zones=["a"], name_prefix="ls"))
    port = free_port()
    app = make_app(fleet.agents, lambda ns, name: fleet.pods.store.get(f"{ns}/{name}"), require_client_cert=False,
                   registry=fleet.registry, ready=fleet.ready.is_set)
    runner = await serve(app, "127.0.0.1", port, None)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                assert resp.status == 503  # not started: no node registered yet
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200 and await resp.text() == "ok"
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
                text = await resp.text()
            async with http.get(f"http://127.0.0.1:{port}/containerLogs/default/nope/c") as resp:
                assert resp.status == 404 and (await resp.json())["reason"] == "NotFound"
        [nodes] = [s.value for f in text_string_to_metric_families(text) for s in f.samples
                   if s.name == "kube_node_agent_nodes"]
        assert nodes == 3
        assert "# TYPE kube_node_lease_renewals_total counter" in text
    finally:
        await runner.cleanup()
        await client.close()
