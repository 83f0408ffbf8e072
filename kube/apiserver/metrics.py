"""Prometheus metrics of the API server: requests, latency, in-flight, watchers.

Recorded into prometheus-client objects on one `CollectorRegistry` per server
(two servers in one test process keep apart), served at /metrics by
`generate_latest`. The names are Kubernetes'. The hot path is `observe`, once
per request: the labelled children are cached per (verb, resource, scope, code), so a
request costs a dict lookup, a counter increment and a histogram observation.
The in-flight count stays a plain int the dispatcher adjusts (read at scrape
time), and the watcher counts are asked of the watch cache only when scraped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kube.component.gc_pauses import register_gc_pauses

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5, 2.0, 5.0, 10.0, 30.0, 60.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST

Recorder = Callable[[float], None]

disable_created_metrics()  # no *_created series: Kubernetes' components export none (a process-wide switch)


class _Watchers(Collector):
    """apiserver_registered_watchers{kind}: counted from the watch cache when scraped, not kept up to date."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("apiserver_registered_watchers", "Open watches by kind.", labels=["kind"])
        for kind, n in sorted(self._metrics.watchers().items()):
            family.add_metric([kind], n)
        yield family


def scope_of(verb: str, namespace: str, name: str) -> str:
    """The latency histogram's scope label, as Kubernetes' CleanScope: one object (or a create),
    a namespace's collection, or the cluster's."""
    if name or verb == "create":
        return "resource"
    return "namespace" if namespace else "cluster"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.inflight = 0
        # open watches by kind, asked at scrape time; the app points it at the watch cache
        self.watchers: Callable[[], dict[str, int]] = dict
        self._requests = Counter("apiserver_request", "Counter of apiserver requests broken out by verb, "
                                 "resource and code.", ("verb", "resource", "code"), registry=self.registry)
        self._latency = Histogram("apiserver_request_duration_seconds", "Response latency distribution by verb, "
                                  "resource and scope.", ("verb", "resource", "scope"), buckets=BUCKETS,
                                  registry=self.registry)
        inflight = Gauge("apiserver_current_inflight_requests", "Requests being served now (watches excluded).",
                         registry=self.registry)
        inflight.set_function(lambda: self.inflight)
        self.registry.register(_Watchers(self))
        register_gc_pauses(self.registry)
        self._recorders: dict[tuple[str, str, str, int], tuple[Callable[[], None], Recorder]] = {}

    def observe(self, verb: str, resource: str, scope: str, code: int, seconds: float) -> None:
        key = (verb, resource, scope, code)
        recorders = self._recorders.get(key)
        if recorders is None:
            count = self._requests.labels(verb, resource, str(code))
            recorders = self._recorders[key] = (count.inc, self._latency.labels(verb, resource, scope).observe)
        recorders[0]()
        recorders[1](seconds)

    def render(self) -> bytes:
        """The text exposition format of everything in the registry."""
        return generate_latest(self.registry)
