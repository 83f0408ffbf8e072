"""The node agent's Prometheus metrics, on the process's registry, for one node or thousands.

Read at scrape time from what the fleet already keeps, so the pod loop pays nothing for them:
kube_node_agent_nodes and kube_node_agent_pods (nodes this process runs, pods bound to them),
kubelet_running_pods (pods admitted and not finished, the kubelet's name), and the Lease
heartbeat totals kube_node_lease_renewals_total and kube_node_lease_renewal_failures_total.
Recorded as they happen: kubelet_pod_worker_duration_seconds{operation_type="sync"}, how long
one pod sync took (the kubelet's default buckets, 5ms to 10s). The pod work queue reports
itself as workqueue_*{name="pods"} (kube/client/workqueue.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from kube.node.fleet import NodeFleet

Family = CounterMetricFamily | GaugeMetricFamily


class FleetCollector(Collector):
    def __init__(self, fleet: NodeFleet | None = None) -> None:
        self.fleet = fleet

    def describe(self) -> Iterator[Family]:
        """The families (without samples), so the registry refuses a clashing name up front."""
        return FleetCollector().collect()

    def collect(self) -> Iterator[Family]:
        nodes = GaugeMetricFamily("kube_node_agent_nodes", "Nodes this node-agent process runs.")
        pods = GaugeMetricFamily("kube_node_agent_pods", "Pods bound to the nodes of this process.")
        running = GaugeMetricFamily("kubelet_running_pods", "Pods admitted on these nodes and not finished.")
        renewals = CounterMetricFamily("kube_node_lease_renewals_total", "Node Lease renewals that succeeded.")
        failures = CounterMetricFamily("kube_node_lease_renewal_failures_total", "Node Lease renewals that failed.")
        fleet = self.fleet
        if fleet is not None:
            nodes.add_metric([], len(fleet.agents))
            pods.add_metric([], fleet.bound_pods())
            running.add_metric([], sum(len(agent.admitted) for agent in fleet.agents.values()))
            renewals.add_metric([], fleet.heartbeats.renewals)
            failures.add_metric([], fleet.heartbeats.failures)
        yield from (nodes, pods, running, renewals, failures)


class NodeMetrics:
    """What a node-agent process reports; one per registry (one fleet per process)."""

    def __init__(self, registry: CollectorRegistry, fleet: NodeFleet) -> None:
        self.registry = registry
        registry.register(FleetCollector(fleet))
        self.pod_sync = Histogram("kubelet_pod_worker_duration_seconds",
                                  "Duration in seconds to sync a single pod.", ["operation_type"],
                                  registry=registry).labels(operation_type="sync")
