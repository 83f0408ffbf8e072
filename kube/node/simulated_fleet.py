"""N hollow nodes for one process: names, zones round-robin, simulated runtimes."""

from __future__ import annotations

from kube.client.rest import RestClient
from kube.node.agent import NodeAgent
from kube.node.node_config import DEFAULT_MAX_PODS, NodeConfig
from kube.node.simulated_runtime import SimulatedRuntime


def simulated_agents(client: RestClient, count: int, zones: list[str] | None = None,
                     labels: dict[str, str] | None = None, name_prefix: str = "node",
                     max_pods: int = DEFAULT_MAX_PODS, taints: list[dict] | None = None,
                     node_ip: str = "127.0.0.1", kubelet_port: int = 0) -> list[NodeAgent]:
    """`<prefix>-0` .. `<prefix>-<count-1>`, zone i % len(zones); same names on every run, so a
    restarted process re-adopts its nodes."""
    zones = [z for z in zones or [] if z]
    agents = []
    for i in range(count):
        config = NodeConfig(name=f"{name_prefix}-{i}", zone=zones[i % len(zones)] if zones else "",
                            labels=dict(labels or {}), taints=list(taints or []), max_pods=max_pods,
                            node_ip=node_ip, kubelet_port=kubelet_port)
        runtime = SimulatedRuntime(config.name)
        agent = NodeAgent(config, runtime, client)
        runtime.wake = lambda key, delay, agent=agent: agent.on_pod_finished and agent.on_pod_finished(key, delay)
        agents.append(agent)
    return agents
