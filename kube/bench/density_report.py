"""The figures of a `kube bench density` run (one JSON-ready dict) and its human table."""

from __future__ import annotations

import argparse
from typing import Any

from kube.bench.density_metrics import server_latency
from kube.bench.figures import percentile
from kube.bench.slo import verdicts


def _pcts(values: list[float]) -> dict[str, float]:
    return {f"p{q}": round(percentile(values, q), 3) for q in (50, 90, 99)} | {"count": len(values)}


def figures(args: argparse.Namespace, raw: dict[str, Any]) -> dict[str, Any]:
    dens, lat = raw["density"], raw["latency"]
    startup, lat_startup = _pcts(dens["startup_seconds"]), _pcts(lat["startup_seconds"])
    server = {phase: server_latency(h) for phase, h in raw["histograms"].items()}
    result = {
        "config": {k: getattr(args, k) for k in ("nodes", "namespaces", "pods_per_deployment", "pods", "qps",
                                                 "duration", "clients", "store", "latency_pods",
                                                 "latency_qps")},
        "setup": raw["setup"],
        "density": {k: dens[k] for k in ("deployments", "services", "objects", "seconds", "pods_per_second",
                                         "scheduled_pods_per_second")},
        "etcd_members": args.etcd_members,
        "pod_startup_seconds": startup,
        "latency": {"pods": lat["pods"], "seconds": lat["seconds"]},
        "latency_pod_startup_seconds": lat_startup,
        "pipeline_seconds": _pcts(dens["pipeline_seconds"]),
        "load": raw["load"], "teardown": raw["teardown"],
        "api_latency": {"server": server, "client": raw["client"]},
        "processes": raw["processes"], "store_bytes": raw["store_bytes"],
        "apiserver_gc_pauses": raw["apiserver_gc_pauses"],
    }
    judged, on = (lat_startup, "latency pods") if lat_startup["count"] else (startup, "density pods")
    result["slo"] = verdicts(judged["p99"] if judged["count"] else None, server["all"], raw["client"], on)
    return result


def _verdict_text(v: dict[str, Any]) -> str:
    if v["pass"] is None:
        return "no data"
    return ("PASS" if v["pass"] else "FAIL") + f"  {v['p99_seconds']:.3f}s ({v['worst']})"


def print_table(r: dict[str, Any]) -> None:
    c, d = r["config"], r["density"]
    print(f"\nkube bench density: {c['nodes']} nodes, {c['pods']} pods in {d['deployments']} Deployments "
          f"({c['pods_per_deployment']} each) over {c['namespaces']} namespaces, store {c['store']}"
          f"{f' ({m} members)' if (m := r['etcd_members']) else ''}, "
          f"{c['qps']:g} creates/s")
    ps, pl = r["pod_startup_seconds"], r["pipeline_seconds"]
    rows = [("setup: cold start to all nodes Ready", f"{r['setup']['cold_start_seconds']}s"),
            ("density: all pods Running", f"{d['seconds']}s ({d['pods_per_second']} pods/s)"),
            ("scheduling: pods bound", f"{d['scheduled_pods_per_second']} pods/s"),
            ("density pods' startup p50/p90/p99", f"{ps['p50']}s / {ps['p90']}s / {ps['p99']}s"),
            (f"latency pods ({r['latency']['pods']}) startup p50/p90/p99",
             f"{ls['p50']}s / {ls['p90']}s / {ls['p99']}s" if (ls := r["latency_pod_startup_seconds"])["count"]
             else "none"),
            ("Deployment created -> all Running p50/p99", f"{pl['p50']}s / {pl['p99']}s"),
            ("load: scaled / rolled / deleted", f"{r['load']['scaled']} / {r['load']['rolling_updates']} / "
                                                f"{r['load']['deleted']}, {r['load']['watch_events']} watch events"),
            ("teardown", f"{r['teardown']['seconds']}s ({r['teardown']['pods_left']} pods left)"),
            ("store size", f"{r['store_bytes'] / 2**20:.1f} MiB")]
    rows += [(f"{name}: peak RSS / CPU", f"{p['peak_rss_mib']} MiB / {p['cpu_seconds']}s")
             for name, p in r["processes"].items()]
    rows += [(f"API server collector, {gen}", f"{g['count']} pauses, {g['seconds']}s in all, p99 {g['p99']}s, "
              f"longest <= {g['longest_at_most']}s") for gen, g in r["apiserver_gc_pauses"].items()]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    print("\n  API calls (server histogram, density+load)    count      p50      p90      p99")
    for key, row in r["api_latency"]["server"]["all"].items():
        print(f"  {key:<44} {row['count']:>6} {row['p50']:>8.4f} {row['p90']:>8.4f} {row['p99']:>8.4f}")
    print("\n  API calls (clients, verb resource scope)      count      p50      p90      p99")
    for key, row in r["api_latency"]["client"].items():
        print(f"  {key:<44} {row['count']:>6} {row['p50']:>8.4f} {row['p90']:>8.4f} {row['p99']:>8.4f}")
    print("\n  SLO (Kubernetes)                       threshold  verdict")
    for v in r["slo"]:
        print(f"  {v['slo']:<38} {v['threshold_seconds']:>6g}s   {_verdict_text(v)}")
