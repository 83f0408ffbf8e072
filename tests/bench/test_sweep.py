"""`kube bench sweep`: the costs read from each density run, the fits and the issue's two
verdicts on synthetic runs, the CLI's one-line errors, and one real tiny sweep end to end
(its figures are checked for presence and type, not value: this machine is shared)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kube.bench.sweep_plot import plot_sweep
from kube.bench.sweep_report import COSTS, fits, print_table, row, verdicts
from kube.cli.main import main
from tests.fixtures.requirements import missing

SLO_NAMES = ("pod startup p99", "mutating API calls p99", "single-object reads p99", "namespace-scoped lists p99",
             "cluster-scoped lists p99")


def density_result(nodes: int, pods: int, rss: float, p99: float, startup: float = 1.0) -> dict:
    """The parts of `kube bench density --json` the sweep reads; p99 in seconds for every call class,
    the cluster-scoped lists twice as slow (the worse list scope is the one reported); the pod
    startup verdict judged `startup` (the latency pods'), the density pods' startup ten times that."""
    slo = [{"slo": name, "p99_seconds": startup if name == "pod startup p99"
            else p99 * (2 if name.startswith("cluster") else 1), "pass": True} for name in SLO_NAMES]
    return {"config": {"nodes": nodes, "pods": pods, "store": "sqlite"}, "etcd_members": 0, "slo": slo,
            "processes": {"apiserver": {"peak_rss_mib": rss}, "node": {"peak_rss_mib": 10.0}},
            "pod_startup_seconds": {"p99": startup * 10},
            "density": {"pods_per_second": 100.0, "scheduled_pods_per_second": 200.0}}


def test_row_reads_every_cost() -> None:
    r = row(density_result(1000, 10000, 512.0, 0.25))
    assert r["rss_per_node_kib"] == 524.3 and r["rss_per_pod_kib"] == 52.43 and r["total_rss_mib"] == 522.0
    assert r["p99_mutating_ms"] == 250.0 and r["p99_read_ms"] == 250.0 and r["p99_list_ms"] == 500.0
    assert r["pod_startup_p99_s"] == 1.0 and r["scheduling_pods_per_second"] == 200.0 and r["slo_pass"]
    assert {key for key, _ in COSTS} <= set(r)


def test_linear_rss_and_root_p99_pass_both_targets() -> None:
    rows = [row(density_result(n, 10 * n, 0.05 * 10 * n, 0.001 * n ** 0.5)) for n in (500, 1000, 2000)]
    fitted = fits(rows)
    assert fitted["apiserver_rss_mib vs pods"]["exponent"] == pytest.approx(1.0, abs=1e-3)
    assert fitted["p99_list_ms vs nodes"]["exponent"] == pytest.approx(0.5, abs=1e-2)
    assert fitted["pipeline_pods_per_second vs nodes"]["exponent"] == pytest.approx(0.0, abs=1e-9)
    assert [v["pass"] for v in verdicts(fitted)] == [True, True]


def test_superlinear_growth_fails_and_a_missing_figure_is_no_data() -> None:
    steep = [row(density_result(n, 10 * n, 1e-4 * (10 * n) ** 1.5, 1e-4 * n ** 1.2)) for n in (100, 400)]
    rss, p99 = verdicts(fits(steep))
    assert rss["pass"] is False and rss["exponent"] == pytest.approx(1.5, abs=1e-3)
    assert p99["pass"] is False and p99["exponent"] == pytest.approx(1.2, abs=1e-3)
    blind = [row(density_result(n, n, 50.0, 0.0)) for n in (10, 20)]  # no call observed: p99 0
    assert verdicts(fits(blind))[1]["pass"] is None and fits(blind)["p99_read_ms vs nodes"] is None


def test_table_and_plot_from_synthetic_runs(tmp_path: Path, capsys) -> None:
    rows = [row(density_result(n, 10 * n, 60 + 0.01 * n, 0.001 * n ** 0.3)) for n in (500, 1000, 2000)]
    fitted = fits(rows)
    report = {"config": {"store": "sqlite"}, "rows": rows, "fits": fitted, "verdicts": verdicts(fitted)}
    print_table(report)
    out = capsys.readouterr().out
    assert "2,000" in out and "apiserver_rss_mib vs pods" in out and "PASS" in out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        missing("matplotlib")
    plot_sweep(report, tmp_path / "sweep.png")
    data = (tmp_path / "sweep.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000


@pytest.mark.parametrize(("argv", "says"), [
    (["--nodes", "500"], "at least two sizes"),
    (["--nodes", "500,abc"], "whole numbers"),
    (["--nodes", "0,10"], "at least 1"),
    (["--nodes", "1000,500"], "ascending"),
    (["--nodes", "500,500"], "ascending"),
    (["--nodes", "5,10,20", "--pods", "10,20"], "one pod count per size"),
    (["--nodes", "5,10", "--pods", "20,10"], "ascending"),
    (["--nodes", "5,10", "--etcd-members", "3"], "--etcd-members needs --store etcd"),
    (["--nodes", "5,10", "--qps", "0"], "--qps"),
])
def test_bad_input_is_one_line(argv: list[str], says: str, capsys) -> None:
    assert main(["bench", "sweep", *argv]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err, err


def test_pods_per_node_and_pods_exclude_each_other(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "sweep", "--nodes", "5,10", "--pods", "5,10", "--pods-per-node", "2"])
    assert exit_.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_a_tiny_sweep_end_to_end(tmp_path: Path) -> None:
    plot = ["--plot", str(tmp_path)] if _has_matplotlib() else []
    proc = subprocess.run([sys.executable, "-m", "kube", "bench", "sweep", "--nodes", "3,6", "--pods-per-node", "2",
                           "--duration", "1", "--namespaces", "1", "--pods-per-deployment", "3", "--clients", "1",
                           "--json", *plot], capture_output=True, text=True, timeout=400)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert [(r["nodes"], r["pods"]) for r in report["rows"]] == [(3, 6), (6, 12)]
    assert [r["config"]["nodes"] for r in report["runs"]] == [3, 6]
    assert all(r["apiserver_rss_mib"] > 0 and r["pod_startup_p99_s"] > 0 for r in report["rows"])
    for name in ("apiserver_rss_mib vs pods", "apiserver_rss_mib vs nodes", "p99_mutating_ms vs nodes"):
        assert isinstance(report["fits"][name]["exponent"], float), name
    assert [v["target"] for v in report["verdicts"]] == ["RSS linear in pods", "p99 sub-linear in nodes"]
    assert all(isinstance(v["pass"], bool) for v in report["verdicts"])
    assert "sweep 2/2: done" in proc.stderr  # the progress, on stderr beside the JSON
    missed = any(not v["pass"] for v in report["verdicts"]) or not all(r["slo_pass"] for r in report["rows"])
    assert proc.returncode == (1 if missed else 0)
    if plot:
        assert (tmp_path / "sweep.png").stat().st_size > 5000
        assert (tmp_path / "density-6" / "latency.png").stat().st_size > 5000
        assert json.loads((tmp_path / "density-3" / "result.json").read_text()) == report["runs"][0]


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        missing("matplotlib")  # fails under CI, skips the whole test locally
    return True
