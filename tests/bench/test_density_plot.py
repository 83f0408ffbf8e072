"""`kube bench density --plot DIR` and `--etcd-members`: the series windowed as the plots
draw them, the PNGs and series.json written from a synthetic run, and the flags' errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.bench.density_metrics import ClientTimings, ProcessSampler
from kube.bench.density_plot import FILES, write_plots
from kube.bench.density_series import collect, window_percentiles, window_rates
from kube.bench.density_workload import Tracker
from kube.cli.main import main
from tests.fixtures.requirements import missing


def _series() -> dict:
    """A run of 30 s: calls slowing down over time, 100 pods Running at 5 pods/s from t=5."""
    return {"window_seconds": 5.0, "phases": {"setup_end": 2.0, "density_end": 25.0, "load_end": 30.0},
            "calls": [[i * 0.1, "get deployments resource", 0.001 * (1 + i // 50)] for i in range(300)],
            "processes": {name: [[float(t), 50.0 + t * k, t * 0.1] for t in range(31)]
                          for k, name in enumerate(("apiserver", "node", "scheduler", "controller-manager"))},
            "pod_startup": [[5.0 + i * 0.2, 0.1 + 0.01 * (i % 10)] for i in range(100)],
            "scheduled": [4.9 + i * 0.2 for i in range(100)]}


def test_window_percentiles_per_window() -> None:
    points = [(t / 10, float(t % 50 >= 40) + t // 50) for t in range(100)]  # two 5 s windows, 20% slow
    rows = window_percentiles(points, 5.0)
    assert [r["t"] for r in rows] == [0.0, 5.0] and [r["count"] for r in rows] == [50, 50]
    assert rows[0]["p50"] == 0.0 and rows[0]["p99"] == 1.0 and rows[1]["p50"] == 1.0 and rows[1]["p99"] == 2.0
    assert window_percentiles([], 5.0) == []


def test_window_rates_show_a_stall_as_zero() -> None:
    rows = window_rates([0.5, 1.0, 11.0], 5.0)
    assert rows == [(0.0, 0.4, 2), (5.0, 0.0, 2), (10.0, 0.2, 3)]
    assert window_rates([], 5.0) == []


@given(st.lists(st.floats(0, 1000, allow_nan=False), max_size=200), st.sampled_from([0.5, 1.0, 5.0]))
def test_window_rates_count_every_event(times: list[float], width: float) -> None:
    rows = window_rates(times, width)
    assert sum(rate * width for _t, rate, _n in rows) == pytest.approx(len(times))
    assert (rows[-1][2] if rows else 0) == len(times)
    assert all(b[0] - a[0] == pytest.approx(width) for a, b in zip(rows, rows[1:], strict=False))


def test_collect_makes_times_relative_to_the_start() -> None:
    timings, tracker = ClientTimings(), Tracker()
    timings.series.append((105.0, "list pods namespace", 0.25))
    sampler = ProcessSampler({})
    sampler.series = {"apiserver": [(101.0, 80.0, 0.5)]}
    tracker.observe("ADDED", {"metadata": {"uid": "a"}, "spec": {"nodeName": "n"}, "status": {"phase": "Running"}})
    t_running = tracker.running_at["a"]
    series = collect(100.0, {"setup_end": 102.0}, timings, sampler, tracker)
    assert series["calls"] == [[5.0, "list pods namespace", 0.25]]
    assert series["processes"] == {"apiserver": [[1.0, 80.0, 0.5]]}
    assert series["phases"] == {"setup_end": 2.0}
    assert series["pod_startup"] == [[round(t_running - 100.0, 3), 0.0]]
    assert series["scheduled"] == [round(tracker.scheduled_at["a"] - 100.0, 3)]
    json.dumps(series)  # JSON-ready as it stands


def test_process_sampler_keeps_every_sample() -> None:
    import os

    sampler = ProcessSampler({"self": os.getpid()})
    sampler.sample()
    sampler.sample()
    (t1, rss1, cpu1), (t2, _rss2, cpu2) = sampler.series["self"]
    assert t2 >= t1 and rss1 > 0 and cpu2 >= cpu1 >= 0


def test_write_plots_writes_three_pngs_and_the_series(tmp_path: Path) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        missing("matplotlib")
    out = tmp_path / "made" / "here"
    paths = write_plots(_series(), out, "test")
    assert sorted(p.name for p in paths) == sorted(FILES)
    for name in ("latency.png", "memory.png", "throughput.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000, name
    assert json.loads((out / "series.json").read_text()) == _series()


def _cli_error(argv: list[str], capsys) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_plot_without_matplotlib_fails_before_the_run(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    err = _cli_error(["bench", "density", "--nodes", "1", "--pods", "1", "--plot", str(tmp_path / "p")], capsys)
    assert "pip install matplotlib" in err and not (tmp_path / "p").exists()


def test_plot_into_a_file_is_one_line(tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    (tmp_path / "f").write_text("")
    assert "--plot" in _cli_error(["bench", "density", "--plot", str(tmp_path / "f" / "d")], capsys)


@pytest.mark.parametrize("bench", ["density", "api"])
def test_etcd_members_only_with_etcd(bench: str, capsys) -> None:
    err = _cli_error(["bench", bench, "--etcd-members", "3"], capsys)
    assert "--etcd-members needs --store etcd" in err


@pytest.mark.parametrize("size", ["2", "0", "-1", "x"])
def test_etcd_members_must_be_odd_and_positive(size: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "density", "--store", "etcd", "--etcd-members", size])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--etcd-members" in err and "Traceback" not in err


@pytest.mark.parametrize("bench", ["density", "api"])
def test_etcd_that_cannot_start_is_one_line(bench: str, monkeypatch, capsys) -> None:
    from kube.local import etcd_members as members

    def absent() -> str:
        raise members.EtcdUnavailable("no etcd binary: install etcd")

    monkeypatch.setattr(members, "etcd_binary", absent)
    argv = ["bench", bench, "--store", "etcd", "--etcd-members", "3"]
    assert "--store etcd: no etcd binary" in _cli_error(argv, capsys)
