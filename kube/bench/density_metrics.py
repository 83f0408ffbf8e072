"""What `kube bench density` measures, as ClusterLoader2 does: the API server's
`apiserver_request_duration_seconds` histogram scraped before and after a phase and
differenced bucket by bucket, its percentiles computed as Prometheus'
`histogram_quantile` does; the clients' own call timings per verb x resource x scope;
and each component process's peak resident memory and CPU seconds."""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from kube.bench.figures import percentile

T = TypeVar("T")
HISTOGRAM = "apiserver_request_duration_seconds"
GC_PAUSES = "python_gc_pause_seconds"
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

# {(verb, resource): {upper bound: cumulative count}}, +Inf as math.inf
Histograms = dict[tuple[str, str], dict[float, float]]


def parse_histograms(text: str, name: str = HISTOGRAM, by: tuple[str, ...] = ("verb", "resource")) -> Histograms:
    """The `NAME_bucket` series of a text exposition, keyed by the `by` labels (verb, resource):
    series that differ in other labels (the scope) are summed, as `sum by (verb, resource, le)`."""
    out: Histograms = defaultdict(dict)
    prefix = name + "_bucket{"
    for line in text.splitlines():
        if not line.startswith(prefix):
            continue
        labels_text, _, value = line[len(name) + 8:].rpartition("} ")
        labels = dict(_LABEL.findall(labels_text))
        le = labels.get("le", "+Inf")
        buckets = out[tuple(labels.get(k, "") for k in by)]
        bound = math.inf if le == "+Inf" else float(le)
        buckets[bound] = buckets.get(bound, 0.0) + float(value.split()[0])
    return dict(out)


def diff_histograms(after: Histograms, before: Histograms) -> Histograms:
    """Observations made between two scrapes (a series absent before counts from zero)."""
    out: Histograms = {}
    for key, buckets in after.items():
        old = before.get(key, {})
        delta = {le: max(0.0, count - old.get(le, 0.0)) for le, count in buckets.items()}
        if delta.get(math.inf, 0.0) > 0:
            out[key] = delta
    return out


def histogram_quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Prometheus' histogram_quantile over cumulative buckets: linear interpolation inside
    the bucket holding rank q*count; the highest finite bound when the rank falls in +Inf;
    None when nothing was observed."""
    bounds = sorted(buckets)
    if not bounds or bounds[-1] != math.inf:
        return None
    total = buckets[math.inf]
    if total <= 0:
        return None
    q = min(1.0, max(0.0, q))
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if bound == math.inf or count == prev_count:
                return prev_bound
            return min(bound, prev_bound + (bound - prev_bound) * (rank - prev_count) / (count - prev_count))
        prev_bound, prev_count = bound, count
    return prev_bound


def gc_pauses(after: str, before: str) -> dict[str, dict[str, Any]]:
    """The API server's collector pauses between two scrapes, per generation: how many, their
    total and the p99 and the bound of the longest (kube/component/gc_pauses.py)."""
    hist = diff_histograms(parse_histograms(after, GC_PAUSES, ("generation",)),
                           parse_histograms(before, GC_PAUSES, ("generation",)))
    sums = {}
    for text, sign in ((after, 1.0), (before, -1.0)):
        for line in text.splitlines():
            if line.startswith(GC_PAUSES + "_sum{"):
                generation = dict(_LABEL.findall(line))["generation"]
                sums[generation] = sums.get(generation, 0.0) + sign * float(line.rsplit(" ", 1)[1])
    out = {}
    for (generation,), buckets in sorted(hist.items()):
        counts = sorted(buckets.items())
        longest = next(le for le, n in counts if n == counts[-1][1])
        out[f"generation {generation}"] = {
            "count": int(buckets[math.inf]), "seconds": round(sums.get(generation, 0.0), 3),
            "p99": round(histogram_quantile(0.99, buckets) or 0.0, 4),
            "longest_at_most": None if longest == math.inf else longest}
    return out


def server_latency(hist: Histograms) -> dict[str, dict[str, Any]]:
    """'verb resource' -> count and p50/p90/p99 seconds, from a differenced histogram."""
    out = {}
    for (verb, resource), buckets in sorted(hist.items()):
        out[f"{verb} {resource}"] = {"verb": verb, "resource": resource, "count": int(buckets[math.inf]),
                                     **{f"p{q}": round(histogram_quantile(q / 100, buckets) or 0.0, 4)
                                        for q in (50, 90, 99)}}
    return out


class ClientTimings:
    """The clients' own view: seconds per (verb, resource, scope), scope as Kubernetes' SLIs
    name it: resource (one object), namespace or cluster (lists)."""

    def __init__(self) -> None:
        self.samples: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        self.series: list[tuple[float, str, float]] = []  # (monotonic start, "verb resource scope", seconds)
        self.errors = 0

    async def timed(self, verb: str, resource: str, scope: str, call: Awaitable[T]) -> T | None:
        at, started = time.monotonic(), time.perf_counter()
        try:
            return await call
        except Exception:  # noqa: BLE001 - a failed call is counted, and the load goes on
            self.errors += 1
            return None
        finally:
            seconds = time.perf_counter() - started
            self.samples[(verb, resource, scope)].append(seconds)
            self.series.append((at, f"{verb} {resource} {scope}", seconds))

    def summary(self) -> dict[str, dict[str, Any]]:
        return {f"{v} {r} {s}": {"verb": v, "resource": r, "scope": s, "count": len(xs),
                                 **{f"p{q}": round(percentile(xs, q), 4) for q in (50, 90, 99)}}
                for (v, r, s), xs in sorted(self.samples.items())}


def _proc_stats(pid: int) -> tuple[float, float]:
    """(resident MiB, CPU seconds): psutil when installed, else /proc."""
    try:
        import psutil
    except ImportError:
        from kube.bench.node_cluster import proc_stats

        return proc_stats(pid)
    proc = psutil.Process(pid)
    cpu = proc.cpu_times()
    return proc.memory_info().rss / 2**20, cpu.user + cpu.system


class ProcessSampler:
    """Peak RSS and CPU seconds of each named process, sampled every `period` seconds; every
    sample kept as (monotonic time, RSS MiB, CPU seconds since the start) for the plots."""

    def __init__(self, pids: dict[str, int], period: float = 1.0) -> None:
        self.pids = pids
        self.period = period
        self.peak = dict.fromkeys(pids, 0.0)
        self.cpu0 = {name: self._sample(name)[1] for name in pids}
        self.cpu = dict.fromkeys(pids, 0.0)
        self.series: dict[str, list[tuple[float, float, float]]] = {name: [] for name in pids}

    def _sample(self, name: str) -> tuple[float, float]:
        try:
            rss, cpu = _proc_stats(self.pids[name])
        except (OSError, ProcessLookupError, StopIteration):
            return 0.0, self.cpu.get(name, 0.0) + getattr(self, "cpu0", {}).get(name, 0.0)
        self.peak[name] = max(self.peak[name], rss)
        return rss, cpu

    def sample(self) -> None:
        for name in self.pids:
            rss, cpu = self._sample(name)
            self.cpu[name] = cpu - self.cpu0[name]
            self.series[name].append((time.monotonic(), rss, self.cpu[name]))

    async def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        while not stop():
            self.sample()
            await asyncio.sleep(self.period)

    def figures(self) -> dict[str, dict[str, float]]:
        self.sample()
        return {name: {"peak_rss_mib": round(self.peak[name], 1), "cpu_seconds": round(self.cpu[name], 1)}
                for name in self.pids}
