"""Histogram bucket sets shared by the daemons, as component-base/metrics spells them.

Kubernetes' latency histograms (kube-scheduler's scheduling_attempt_duration_seconds, kube-proxy's
sync_proxy_rules_duration_seconds) use ExponentialBuckets(0.001, 2, 15): 1ms doubling up to 16.4s,
which keeps both a fast scheduling cycle and a slow iptables restore in distinct buckets.

Kubernetes exposes no `*_created` series beside its counters and histograms; prometheus-client
does by default, process-wide, so importing this module (the health server does) turns them off.
"""

from __future__ import annotations

from prometheus_client import disable_created_metrics

disable_created_metrics()


def exponential_buckets(start: float, factor: float, count: int) -> tuple[float, ...]:
    """`count` upper bounds from `start`, each `factor` times the last (component-base's ExponentialBuckets)."""
    if start <= 0 or factor <= 1 or count < 1:
        raise ValueError("need start > 0, factor > 1 and count >= 1")
    return tuple(start * factor**i for i in range(count))


LATENCY_BUCKETS = exponential_buckets(0.001, 2, 15)
