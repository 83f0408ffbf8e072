"""The proxy's Prometheus metrics, under kube-proxy's names, on the process's registry.

kubeproxy_sync_proxy_rules_duration_seconds is kube-proxy's sync latency histogram (every
attempt, as kube-proxy observes it; 1ms doubling buckets), _last_timestamp_seconds the last
successful sync and _last_queued_timestamp_seconds the last change that asked for one (a
queued time well past the last sync is a proxy that stopped keeping up). The totals, the last
duration and the service-port/backend gauges are this proxy's own, as its tests and dashboards
read them. kubeproxy_network_programming_duration_seconds is kube-proxy's SLI: from a change
(the EndpointSlice's last-change-trigger-time) to the rules holding it, with kube-proxy's
buckets below 1 s refined (this proxy's target is 0.5 s at p99).
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from kube.component.metrics import LATENCY_BUCKETS

PROGRAMMING_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, *range(1, 60), *range(60, 120, 5),
                       *range(120, 331, 30))


class ProxyMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.duration = Histogram("kubeproxy_sync_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds.",
                                  buckets=LATENCY_BUCKETS, registry=registry)
        self.syncs = Counter("kubeproxy_sync_proxy_rules_total", "Successful syncs of the proxy rules.",
                             registry=registry)
        self.failures = Counter("kubeproxy_sync_proxy_rules_failures_total",
                                "Syncs of the proxy rules that failed (retried on the next round).", registry=registry)
        self.last_duration = Gauge("kubeproxy_sync_proxy_rules_last_duration_seconds",
                                   "How long the last successful sync took.", registry=registry)
        self.last_success = Gauge("kubeproxy_sync_proxy_rules_last_timestamp_seconds",
                                  "The last time proxy rules were successfully synced.", registry=registry)
        self.last_queued = Gauge("kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds",
                                 "The last time a sync of proxy rules was queued.", registry=registry)
        self.service_ports = Gauge("kubeproxy_service_ports", "Service ports programmed by the last sync.",
                                   registry=registry)
        self.backends = Gauge("kubeproxy_backends", "Backends programmed by the last sync.", registry=registry)
        self.programming = Histogram("kubeproxy_network_programming_duration_seconds",
                                     "In Network Programming Latency in seconds", buckets=PROGRAMMING_BUCKETS,
                                     registry=registry)

    def queued(self) -> None:
        self.last_queued.set_to_current_time()

    def synced(self, seconds: float, service_ports: int, backends: int, at: float | None = None) -> None:
        self.duration.observe(seconds)
        self.syncs.inc()
        self.last_duration.set(seconds)
        self.last_success.set(time.time() if at is None else at)
        self.service_ports.set(service_ports)
        self.backends.set(backends)

    def programmed(self, seconds: float) -> None:
        self.programming.observe(max(seconds, 0.0))  # clocks of two hosts may disagree a little

    def failed(self, seconds: float) -> None:
        self.duration.observe(seconds)
        self.failures.inc()
