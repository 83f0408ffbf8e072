"""The throughput plot: binning keeps every pod, and the PNG renders (or --plot says what to install)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.bench.throughput_plot import binned_rates, plot_throughput
from kube.cli.main import main


@st.composite
def timelines(draw) -> list[tuple[float, int]]:
    """Cumulative samples as the benchmarks take them: time and count never go down."""
    step = st.one_of(st.just(0.0), st.floats(1e-6, 2.0))  # clocks tick in microseconds at best
    steps = draw(st.lists(st.tuples(step, st.integers(0, 500)), min_size=1, max_size=60))
    t, n, out = 0.0, 0, [(0.0, 0)]
    for dt, dn in steps:
        t, n = t + dt, n + dn
        out.append((t, n))
    return out


@given(timelines(), st.integers(1, 100))
def test_bins_account_for_every_pod(timeline: list[tuple[float, int]], bins: int) -> None:
    starts, rates, width = binned_rates(timeline, bins)
    span = timeline[-1][0] - timeline[0][0]
    if span <= 0:
        assert starts == rates == []
        return
    assert len(starts) == len(rates) == bins
    assert all(r >= 0 for r in rates)
    assert sum(r * width for r in rates) == pytest.approx(timeline[-1][1] - timeline[0][1], rel=1e-6, abs=1e-6)


def test_steady_rate_is_flat() -> None:
    timeline = [(i / 10, 100 * i) for i in range(101)]  # 1000 pods/s for 10 s
    _starts, rates, _width = binned_rates(timeline, 20)
    assert rates == pytest.approx([1000.0] * 20)


def test_plot_renders_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "throughput.png"
    plot_throughput([(0.0, 0), (0.5, 400), (1.0, 1000), (2.0, 1500)], str(out), "test")
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000


def test_plot_without_matplotlib_is_one_clear_line(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code = main(["bench", "scheduler", "--nodes", "5", "--pods", "5", "--no-progress",
                 "--plot", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "pip install matplotlib" in err
    assert not (tmp_path / "x.png").exists()


def test_plot_marks_the_first_pod(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    timeline = [(0.0, 0), (0.5, 1), (1.0, 600), (2.0, 1500)]
    plain, marked = tmp_path / "plain.png", tmp_path / "marked.png"
    plot_throughput(timeline, str(plain), "test")
    plot_throughput(timeline, str(marked), "test", first_pod=0.5)
    assert marked.read_bytes().startswith(b"\x89PNG") and marked.read_bytes() != plain.read_bytes()
