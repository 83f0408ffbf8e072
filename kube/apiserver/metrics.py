"""Prometheus metrics of the API server: requests, latency, in-flight, watchers.

Plain dictionaries and a text renderer: the hot path only increments counters.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5, 2.0, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        # (verb, resource) -> [bucket counts..., +Inf count], sum
        self.latency: dict[tuple[str, str], list[int]] = {}
        self.latency_sum: dict[tuple[str, str], float] = defaultdict(float)
        self.inflight = 0
        self.watchers: Callable[[], dict[str, int]] = dict

    def observe(self, verb: str, resource: str, code: int, seconds: float) -> None:
        self.requests[(verb, resource, code)] += 1
        key = (verb, resource)
        counts = self.latency.get(key)
        if counts is None:
            counts = self.latency[key] = [0] * (len(BUCKETS) + 1)
        counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.latency_sum[key] += seconds

    def render(self) -> str:
        out = [
            "# HELP apiserver_request_total Counter of apiserver requests broken out by verb, resource and code.",
            "# TYPE apiserver_request_total counter",
        ]
        for (verb, resource, code), n in sorted(self.requests.items()):
            out.append(f'apiserver_request_total{{verb="{verb}",resource="{resource}",code="{code}"}} {n}')
        out += [
            "# HELP apiserver_request_duration_seconds Response latency distribution by verb and resource.",
            "# TYPE apiserver_request_duration_seconds histogram",
        ]
        for (verb, resource), counts in sorted(self.latency.items()):
            labels = f'verb="{verb}",resource="{resource}"'
            running = 0
            for bound, n in zip(BUCKETS, counts, strict=False):
                running += n
                out.append(f'apiserver_request_duration_seconds_bucket{{{labels},le="{bound}"}} {running}')
            running += counts[-1]
            out.append(f'apiserver_request_duration_seconds_bucket{{{labels},le="+Inf"}} {running}')
            out.append(f"apiserver_request_duration_seconds_sum{{{labels}}} {self.latency_sum[(verb, resource)]:.6f}")
            out.append(f"apiserver_request_duration_seconds_count{{{labels}}} {running}")
        out += [
            "# HELP apiserver_current_inflight_requests Requests being served now (watches excluded).",
            "# TYPE apiserver_current_inflight_requests gauge",
            f"apiserver_current_inflight_requests {self.inflight}",
            "# HELP apiserver_registered_watchers Open watches by kind.",
            "# TYPE apiserver_registered_watchers gauge",
        ]
        for kind, n in sorted(self.watchers().items()):
            out.append(f'apiserver_registered_watchers{{kind="{kind}"}} {n}')
        return "\n".join(out) + "\n"
