"""The time series of a `kube bench density` run, as `--plot` draws them and `series.json`
keeps them: every client call (start, class, seconds), each process's RSS and CPU, the
moments pods were scheduled and seen Running with their startup time, and the phase
boundaries; all times in seconds since the run started. Windowing lives here too, so
the plots only draw what these functions computed (and tests can check it without PNGs)."""

from __future__ import annotations

from typing import Any

from kube.bench.density_metrics import ClientTimings, ProcessSampler
from kube.bench.density_workload import Tracker
from kube.bench.figures import percentile

WINDOW = 5.0  # seconds per latency / throughput bucket
PHASES = ("setup_end", "density_end", "latency_end", "load_end")


def collect(t0: float, phases: dict[str, float], timings: ClientTimings, sampler: ProcessSampler,
            tracker: Tracker) -> dict[str, Any]:
    """The raw series, JSON-ready, relative to t0 (monotonic); `phases` are monotonic too."""
    def rel(t: float) -> float:
        return round(t - t0, 3)

    startup = [[rel(t), round(s, 4)] for t, s in tracker.startup_points]
    return {"window_seconds": WINDOW,
            "phases": {name: rel(t) for name, t in phases.items()},
            "calls": [[rel(t), key, round(s, 5)] for t, key, s in timings.series],
            "processes": {name: [[rel(t), round(rss, 1), round(cpu, 2)] for t, rss, cpu in points]
                          for name, points in sampler.series.items()},
            "pod_startup": startup,
            "scheduled": sorted(rel(t) for t in tracker.scheduled_at.values())}


def window_percentiles(points: list[tuple[float, float]], width: float = WINDOW) -> list[dict[str, float]]:
    """p50/p90/p99 of the values falling in each `width`-second window (by time), empty ones left out."""
    buckets: dict[int, list[float]] = {}
    for t, value in points:
        buckets.setdefault(int(t // width), []).append(value)
    return [{"t": k * width, "count": len(vs), **{f"p{q}": percentile(vs, q) for q in (50, 90, 99)}}
            for k, vs in sorted(buckets.items())]


def window_rates(times: list[float], width: float = WINDOW) -> list[tuple[float, float, int]]:
    """(window start, events per second in it, events so far at its end), every window from
    the first event's to the last one's, empty ones included (a stall shows as a zero)."""
    if not times:
        return []
    ordered = sorted(times)
    first, last = int(ordered[0] // width), int(ordered[-1] // width)
    counts = [0] * (last - first + 1)
    for t in ordered:
        counts[int(t // width) - first] += 1
    out, total = [], 0
    for i, n in enumerate(counts):
        total += n
        out.append(((first + i) * width, n / width, total))
    return out
