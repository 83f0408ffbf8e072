"""What `kube bench sweep` makes of its density runs: one row of costs per cluster size,
each cost's growth exponent against nodes (RSS against pods too), the issue's two targets
as verdicts, and the human table."""

from __future__ import annotations

from typing import Any

from kube.bench.power_fit import fit_power_law

# (row key, column heading): every cost fitted against nodes
COSTS: tuple[tuple[str, str], ...] = (
    ("apiserver_rss_mib", "apiserver RSS MiB"),
    ("p99_mutating_ms", "p99 mutating ms"),
    ("p99_read_ms", "p99 get ms"),
    ("p99_list_ms", "p99 list ms"),
    ("pod_startup_p99_s", "startup p99 s"),
    ("pipeline_pods_per_second", "pipeline pods/s"),
    ("scheduling_pods_per_second", "scheduled pods/s"),
)
P99_CLASSES = ("p99_mutating_ms", "p99_read_ms", "p99_list_ms")
RSS_PER_POD_EXPONENT_MAX = 1.1  # "RSS linear in pods", with room for measurement noise


def _p99_ms(result: dict[str, Any], *slos: str) -> float | None:
    """The worst p99 among the named SLO verdicts of a density run, in ms (None: no data)."""
    seen = [v["p99_seconds"] for v in result["slo"] if v["slo"] in slos and v["p99_seconds"] is not None]
    return round(max(seen) * 1000, 2) if seen else None


def _slo_p99(result: dict[str, Any], name: str) -> float | None:
    return next((v["p99_seconds"] for v in result["slo"] if v["slo"] == name), None)


def row(result: dict[str, Any]) -> dict[str, Any]:
    """One density run's costs: the API server's memory (whole, per node, per pod), p99 per
    call class (lists: the worse of namespace and cluster scope), pod startup, throughput."""
    nodes, pods = result["config"]["nodes"], result["config"]["pods"]
    rss = result["processes"]["apiserver"]["peak_rss_mib"]
    return {"nodes": nodes, "pods": pods, "apiserver_rss_mib": rss,
            "rss_per_node_kib": round(rss * 1024 / nodes, 1), "rss_per_pod_kib": round(rss * 1024 / pods, 2),
            "total_rss_mib": round(sum(p["peak_rss_mib"] for p in result["processes"].values()), 1),
            "p99_mutating_ms": _p99_ms(result, "mutating API calls p99"),
            "p99_read_ms": _p99_ms(result, "single-object reads p99"),
            "p99_list_ms": _p99_ms(result, "namespace-scoped lists p99", "cluster-scoped lists p99"),
            "pod_startup_p99_s": _slo_p99(result, "pod startup p99"),  # the latency pods' where there were any
            "pipeline_pods_per_second": result["density"]["pods_per_second"],
            "scheduling_pods_per_second": result["density"]["scheduled_pods_per_second"],
            "slo_pass": all(v["pass"] is not False for v in result["slo"])}


def fits(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
    """'<cost> vs nodes' for every cost and 'apiserver_rss_mib vs pods': exponent, coefficient, R²."""
    nodes, pods = [r["nodes"] for r in rows], [r["pods"] for r in rows]
    out: dict[str, dict[str, Any] | None] = {}
    for key, _ in COSTS:
        fit = fit_power_law(nodes, [r[key] for r in rows])
        out[f"{key} vs nodes"] = fit.as_dict() if fit else None
    fit = fit_power_law(pods, [r["apiserver_rss_mib"] for r in rows])
    out["apiserver_rss_mib vs pods"] = fit.as_dict() if fit else None
    return out


def verdicts(fitted: dict[str, dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The issue's targets: RSS linear in pods (exponent <= 1.1), every p99 class sub-linear in
    nodes (exponent < 1); pass None when a fit is missing (a cost without data)."""
    rss = fitted["apiserver_rss_mib vs pods"]
    p99 = {key: fitted[f"{key} vs nodes"] for key in P99_CLASSES}
    worst = max(((f["exponent"], key) for key, f in p99.items() if f), default=None)
    if worst is not None and worst[0] >= 1:
        sublinear: bool | None = False  # one class too steep fails, whatever the others lack
    else:
        sublinear = True if all(p99.values()) else None
    return [{"target": "RSS linear in pods", "rule": f"exponent <= {RSS_PER_POD_EXPONENT_MAX}",
             "exponent": rss["exponent"] if rss else None,
             "pass": rss["exponent"] <= RSS_PER_POD_EXPONENT_MAX if rss else None},
            {"target": "p99 sub-linear in nodes", "rule": "exponent < 1 (worst call class)",
             "exponent": worst[0] if worst else None, "worst": worst[1] if worst else None, "pass": sublinear}]


def _cell(value: Any) -> str:
    return "-" if value is None else f"{value:,.6g}" if isinstance(value, float) else f"{value:,}"


def print_table(report: dict[str, Any]) -> None:
    columns = [("nodes", "nodes"), ("pods", "pods"), ("apiserver_rss_mib", "apiserver RSS MiB"),
               ("rss_per_node_kib", "RSS/node KiB"), ("rss_per_pod_kib", "RSS/pod KiB"), *COSTS[1:]]
    widths = [max(len(head), *(len(_cell(r[key])) for r in report["rows"])) for key, head in columns]
    print(f"\nkube bench sweep: {len(report['rows'])} sizes, store {report['config']['store']}")
    print("  " + "  ".join(f"{head:>{w}}" for (_, head), w in zip(columns, widths, strict=True)))
    for r in report["rows"]:
        print("  " + "  ".join(f"{_cell(r[key]):>{w}}" for (key, _), w in zip(columns, widths, strict=True)))
    print("\n  growth exponent (cost = c * size^k)          k       R²")
    for name, fit in report["fits"].items():
        print(f"  {name:<40} " + (f"{fit['exponent']:>7.3f}  {fit['r2']:>7.3f}" if fit else "  no fit (no data)"))
    print("\n  target                      rule                              exponent  verdict")
    for v in report["verdicts"]:
        verdict = "no data" if v["pass"] is None else "PASS" if v["pass"] else "FAIL"
        print(f"  {v['target']:<27} {v['rule']:<33} {_cell(v['exponent']):>8}  {verdict}")
