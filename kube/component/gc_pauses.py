"""How long the cyclic collector stops the process, per generation: python_gc_pause_seconds.

Every daemon here is one event loop: while the collector walks the heap, no request, watch
event or heartbeat is served, so a pause lands whole in the tail of every latency the
cluster reports. A full (generation 2) collection walks every tracked object, and an API
server's watch cache at 50,000 pods holds millions. Go's components export
go_gc_duration_seconds for the same reason. One recorder per process (gc.callbacks is
process-wide); each registry that wants the series gets a collector reading it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from kube.component.metrics import exponential_buckets

BUCKETS = exponential_buckets(0.0001, 2, 18)  # 0.1 ms doubling to 13 s
NAME = "python_gc_pause_seconds"


class _Recorder:
    """Bucket counts and sums per generation, fed by a gc callback (start and stop of each collection)."""

    def __init__(self) -> None:
        self.counts = [[0] * (len(BUCKETS) + 1) for _ in range(3)]
        self.sums = [0.0, 0.0, 0.0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        seconds, generation = time.perf_counter() - self._started, info["generation"]
        self.sums[generation] += seconds
        counts = self.counts[generation]
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                counts[i] += 1
                return
        counts[-1] += 1


_recorder: _Recorder | None = None


class _Pauses(Collector):
    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(NAME, "Time the cyclic garbage collector stopped the process, "
                                             "by generation.", labels=["generation"])
        assert _recorder is not None
        for generation in range(3):
            cumulative, buckets = 0, []
            for bound, n in zip([*BUCKETS, float("inf")], _recorder.counts[generation], strict=True):
                cumulative += n
                buckets.append(("+Inf" if bound == float("inf") else repr(bound), cumulative))
            family.add_metric([str(generation)], buckets, _recorder.sums[generation])
        yield family


def register_gc_pauses(registry: CollectorRegistry) -> None:
    """Record the process's collections (once per process) and expose them in `registry`."""
    global _recorder
    if _recorder is None:
        _recorder = _Recorder()
        gc.callbacks.append(_recorder)
    registry.register(_Pauses())
