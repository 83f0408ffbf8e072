"""The pure parts of `kube bench density`: the histogram scrape parsed and differenced,
Prometheus' histogram_quantile, and the SLO verdict table."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from kube.bench.density_metrics import (
    ClientTimings,
    diff_histograms,
    histogram_quantile,
    parse_histograms,
    server_latency,
)
from kube.bench.slo import verdicts

SCRAPE = """# HELP apiserver_request_duration_seconds Response latency
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{le="0.1",resource="pods",verb="create"} 3.0
apiserver_request_duration_seconds_bucket{le="1.0",resource="pods",verb="create"} 9.0
apiserver_request_duration_seconds_bucket{le="+Inf",resource="pods",verb="create"} 10.0
apiserver_request_duration_seconds_count{resource="pods",verb="create"} 10.0
apiserver_request_duration_seconds_bucket{le="0.1",resource="nodes",verb="get"} 1.0
apiserver_request_duration_seconds_bucket{le="1.0",resource="nodes",verb="get"} 1.0
apiserver_request_duration_seconds_bucket{le="+Inf",resource="nodes",verb="get"} 1.0
apiserver_request_total{code="200",resource="pods",verb="create"} 10.0
"""


def test_parse_reads_buckets_by_verb_and_resource() -> None:
    hist = parse_histograms(SCRAPE)
    assert hist[("create", "pods")] == {0.1: 3.0, 1.0: 9.0, math.inf: 10.0}
    assert set(hist) == {("create", "pods"), ("get", "nodes")}


def test_parse_sums_the_scopes_of_a_verb_and_resource() -> None:
    scoped = """apiserver_request_duration_seconds_bucket{le="0.1",resource="pods",scope="namespace",verb="list"} 2.0
apiserver_request_duration_seconds_bucket{le="+Inf",resource="pods",scope="namespace",verb="list"} 3.0
apiserver_request_duration_seconds_bucket{le="0.1",resource="pods",scope="cluster",verb="list"} 1.0
apiserver_request_duration_seconds_bucket{le="+Inf",resource="pods",scope="cluster",verb="list"} 4.0
"""
    assert parse_histograms(scoped) == {("list", "pods"): {0.1: 3.0, math.inf: 7.0}}


def test_diff_keeps_only_what_happened_between_scrapes() -> None:
    before = parse_histograms(SCRAPE)
    after = {("create", "pods"): {0.1: 5.0, 1.0: 12.0, math.inf: 14.0}, ("get", "nodes"): before[("get", "nodes")],
             ("list", "pods"): {0.1: 2.0, 1.0: 2.0, math.inf: 2.0}}
    delta = diff_histograms(after, before)
    assert delta == {("create", "pods"): {0.1: 2.0, 1.0: 3.0, math.inf: 4.0},
                     ("list", "pods"): {0.1: 2.0, 1.0: 2.0, math.inf: 2.0}}


def test_quantile_interpolates_as_prometheus() -> None:
    buckets = {0.1: 3.0, 1.0: 9.0, math.inf: 10.0}
    assert math.isclose(histogram_quantile(0.3, buckets), 0.1)  # rank 3 ends the first bucket
    assert math.isclose(histogram_quantile(0.6, buckets), 0.1 + 0.9 * (6 - 3) / 6)
    assert histogram_quantile(0.99, buckets) == 1.0  # in +Inf: the highest finite bound
    assert histogram_quantile(0.5, {0.1: 0.0, math.inf: 0.0}) is None
    assert histogram_quantile(0.5, {0.1: 1.0}) is None  # no +Inf bucket: not a histogram


@st.composite
def histograms(draw) -> dict[float, float]:
    bounds = sorted(set(draw(st.lists(st.floats(0.001, 100), min_size=1, max_size=12))))
    counts = draw(st.lists(st.integers(0, 1000), min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    if sum(counts) == 0:
        counts[0] = 1
    cumulative, total = {}, 0.0
    for bound, n in zip([*bounds, math.inf], counts, strict=True):
        total += n
        cumulative[bound] = total
    return cumulative


@given(histograms(), st.floats(0, 1), st.floats(0, 1))
def test_quantile_is_monotone_in_q_and_within_the_bounds(buckets, q1, q2) -> None:
    lo, hi = sorted((q1, q2))
    a, b = histogram_quantile(lo, buckets), histogram_quantile(hi, buckets)
    assert a is not None and b is not None
    assert a <= b + 1e-12
    finite = max(le for le in buckets if le != math.inf)
    assert 0.0 <= a <= finite and 0.0 <= b <= finite


def test_server_latency_rows() -> None:
    rows = server_latency(parse_histograms(SCRAPE))
    assert rows["create pods"]["count"] == 10 and rows["create pods"]["p99"] == 1.0
    assert rows["get nodes"]["p50"] == 0.05


async def test_client_timings_count_failures_and_go_on() -> None:
    timings = ClientTimings()

    async def fails() -> None:
        raise RuntimeError("refused")

    async def works() -> int:
        return 7

    assert await timings.timed("get", "pods", "resource", works()) == 7
    assert await timings.timed("get", "pods", "resource", fails()) is None
    assert timings.errors == 1 and timings.summary()["get pods resource"]["count"] == 2


def test_slo_verdicts_judge_the_worst_call_of_each_class() -> None:
    server = {"create pods": {"verb": "create", "resource": "pods", "count": 5, "p99": 0.2},
              "patch nodes": {"verb": "patch", "resource": "nodes", "count": 5, "p99": 1.5},
              "get pods": {"verb": "get", "resource": "pods", "count": 5, "p99": 0.01},
              "list pods": {"verb": "list", "resource": "pods", "count": 5, "p99": 99.0}}
    client = {"list pods namespace": {"verb": "list", "resource": "pods", "scope": "namespace", "count": 3,
                                      "p99": 4.0},
              "list nodes cluster": {"verb": "list", "resource": "nodes", "scope": "cluster", "count": 0,
                                     "p99": 0.0}}
    table = {v["slo"]: v for v in verdicts(6.0, server, client)}
    assert table["pod startup p99"]["pass"] is False and table["pod startup p99"]["p99_seconds"] == 6.0
    assert table["mutating API calls p99"] | {} == {
        "slo": "mutating API calls p99", "threshold_seconds": 1.0, "source": "server", "p99_seconds": 1.5,
        "worst": "patch nodes", "pass": False}
    assert table["single-object reads p99"]["pass"] is True
    assert table["namespace-scoped lists p99"]["pass"] is True  # judged on the client's scope, not the server's
    assert table["cluster-scoped lists p99"]["pass"] is None  # no calls: no verdict, not a pass
    assert verdicts(None, {}, {})[0]["pass"] is None
