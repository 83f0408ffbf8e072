"""The proxy's /metrics as Prometheus reads it: kube-proxy's sync histogram and timestamps, the
totals and gauges, on the registry it is given or a private one."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client import CollectorRegistry

from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from kube.component.metrics import LATENCY_BUCKETS
from kube.proxy.proxier import Proxier
from kube.proxy.service_targets import ServiceTarget
from tests.metric_samples import sample, scrape

NOWHERE = "https://127.0.0.1:1"  # sync_once reads the informers' caches only: no request is made


class ScriptedExecutor:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.applied: list[list[ServiceTarget]] = []

    async def apply(self, targets: list[ServiceTarget]) -> None:
        if self.fail:
            raise OSError("iptables-restore: exit 1")
        self.applied.append(targets)

    async def close(self) -> None:
        pass


@pytest.fixture
async def client() -> AsyncIterator[RestClient]:
    c = RestClient(ClientConfig(servers=[NOWHERE]))
    yield c
    await c.close()


async def test_a_sync_and_a_failure_parse_with_kube_proxy_names(client: RestClient) -> None:
    registry = CollectorRegistry()
    executor = ScriptedExecutor()
    proxier = Proxier(client, executor, registry=registry)
    assert proxier.registry is registry
    before = time.time()
    await proxier.sync_once()
    executor.fail = True
    await proxier.sync_once()
    families = scrape(registry)
    assert families["kubeproxy_sync_proxy_rules_duration_seconds"].type == "histogram"
    assert families["kubeproxy_sync_proxy_rules"].type == "counter"
    assert families["kubeproxy_sync_proxy_rules_last_timestamp_seconds"].type == "gauge"
    assert sample(registry, "kubeproxy_sync_proxy_rules_duration_seconds_count") == 2  # every attempt
    buckets = [s for s in families["kubeproxy_sync_proxy_rules_duration_seconds"].samples if s.name.endswith("_bucket")]
    assert len(buckets) == len(LATENCY_BUCKETS) + 1
    assert sample(registry, "kubeproxy_sync_proxy_rules_total") == 1
    assert sample(registry, "kubeproxy_sync_proxy_rules_failures_total") == 1
    assert sample(registry, "kubeproxy_sync_proxy_rules_last_timestamp_seconds") >= before
    assert sample(registry, "kubeproxy_service_ports") == 0 and sample(registry, "kubeproxy_backends") == 0
    assert sample(registry, "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds") == 0


async def test_a_change_marks_the_queued_time(client: RestClient) -> None:
    proxier = Proxier(client, ScriptedExecutor())
    before = time.time()
    proxier._changed()  # what every Service/Endpoints informer event calls
    assert sample(proxier.registry, "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds") >= before
    other = Proxier(client, ScriptedExecutor())  # a private registry each: no clash in one process
    assert sample(other.registry, "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds") == 0


def _slice(at: float) -> dict:
    from datetime import UTC, datetime

    stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"metadata": {"name": "s", "namespace": "default",
                         "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": stamp}}}


async def test_network_programming_latency_is_observed_once_per_change_after_it_is_applied(client: RestClient) -> None:
    executor = ScriptedExecutor()
    proxier = Proxier(client, executor)
    change = _slice(time.time() + 0.001)
    proxier._slice_trigger(None, _slice(proxier.started_at - 60))  # from before this proxy: ignored
    proxier._slice_trigger(None, change)
    proxier._slice_trigger(change, change)  # a resync of the same change: not twice
    executor.fail = True
    await proxier.sync_once()  # not applied: not observed yet
    assert sample(proxier.registry, "kubeproxy_network_programming_duration_seconds_count") == 0
    executor.fail = False
    await proxier.sync_once()
    assert sample(proxier.registry, "kubeproxy_network_programming_duration_seconds_count") == 1
    assert 0 <= sample(proxier.registry, "kubeproxy_network_programming_duration_seconds_sum") < 30
    await proxier.sync_once()
    assert sample(proxier.registry, "kubeproxy_network_programming_duration_seconds_count") == 1
