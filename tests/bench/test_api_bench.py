"""`kube bench api` at small sizes: the four phases against a real `kube apiserver` on both
stores (pytest-benchmark records the run), the `--json` contract, and the arithmetic."""

from __future__ import annotations

import argparse
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.bench.api_bench import measure, rate
from kube.bench.api_load import Target, WorkerResult, split
from kube.bench.api_server_process import ApiServerProcess
from kube.bench.figures import percentile

SMALL = dict(creates=300, gets=600, list_objects=200, list_rounds=5, watchers=20, watch_events=20,
             concurrency=16, processes=2)
FIGURES = ("creates_per_second", "gets_per_second", "list_1000_ms", "watch_fanout_events_per_second")


@pytest.fixture(scope="module", params=["sqlite", "etcd"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    workdir = tmp_path_factory.mktemp(f"bench-{request.param}")
    if request.param == "sqlite":
        store = ["--store", f"sqlite:{workdir / 'state.db'}"]
    else:
        store = ["--etcd-servers", request.getfixturevalue("etcd_server"),
                 "--etcd-prefix", f"/bench-{uuid.uuid4().hex[:8]}"]
    server = ApiServerProcess(workdir, store)
    server.start()
    try:
        yield Target(server.url, server.pki.ca_cert, server.pki.admin_cert, server.pki.admin_key)
    finally:
        server.stop()


def test_measure_all_phases(benchmark, target: Target) -> None:  # type: ignore[no-untyped-def]
    report = benchmark.pedantic(measure, args=(target, argparse.Namespace(**SMALL)), rounds=1, iterations=1)
    assert "errors" not in report, report
    assert all(report[key] > 0 for key in FIGURES), report
    assert report["watch_events_delivered"] == SMALL["watchers"] * SMALL["watch_events"]
    assert report["watch_fanout_seconds"] > 0 and report["watch_write_seconds"] > 0
    benchmark.extra_info.update({key: report[key] for key in FIGURES})


def test_cli_json_is_one_object_with_the_contract_fields(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "api", "--creates", "100", "--gets", "200",
                          "--list-objects", "50", "--list-rounds", "3", "--watchers", "5", "--watch-events", "5",
                          "--concurrency", "8", "--json"], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    doc = orjson.loads(out.stdout)
    for key in (*FIGURES, "store", "members", "concurrency", "commit", "python", "cpu"):
        assert key in doc, key
    assert (doc["store"], doc["members"], doc["concurrency"], doc["creates"]) == ("sqlite", 0, 8, 100)


def test_cli_rejects_bad_flags_in_one_line() -> None:
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "api", "--creates", "0"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "--creates" in out.stderr and "Traceback" not in out.stderr


@given(st.integers(0, 10_000), st.integers(1, 8))
def test_split_spreads_evenly_and_loses_nothing(total: int, parts: int) -> None:
    pieces = split(total, parts)
    assert sum(pieces) == total and len(pieces) == parts and max(pieces) - min(pieces) <= 1


def test_rate_spans_first_start_to_last_finish() -> None:
    results = [WorkerResult(10.0, 12.0, 100, 0), WorkerResult(11.0, 14.0, 300, 0)]
    assert rate(results) == 100.0  # 400 operations over 4 seconds, not the mean of per-worker rates


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=200))
def test_percentile_is_an_observed_value_between_min_and_max(values: list[float]) -> None:
    p50 = percentile(values, 50)
    assert p50 in values and min(values) <= p50 <= max(values)
    assert percentile(values, 100) == max(values) and percentile(values, 99) >= p50
