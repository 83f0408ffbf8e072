"""python_gc_pause_seconds: each collection the process runs is counted in its generation,
with its duration, in every registry that asked for the series."""

from __future__ import annotations

import gc

from prometheus_client import CollectorRegistry

from kube.bench.density_metrics import gc_pauses
from kube.component.gc_pauses import register_gc_pauses
from tests.metric_samples import sample


def test_a_full_collection_is_counted_with_its_time() -> None:
    one, two = CollectorRegistry(), CollectorRegistry()
    register_gc_pauses(one)
    register_gc_pauses(two)  # a second registry reads the same process-wide recorder
    gc.disable()  # no collection of its own while the cycles are made
    before = sample(one, "python_gc_pause_seconds_count", generation="2")
    garbage = [[] for _ in range(10_000)]
    for a, b in zip(garbage, garbage[1:], strict=False):
        a.append(b), b.append(a)  # cycles: only the collector frees them
    del garbage, a, b
    try:
        gc.collect(2)
        gc.collect(2)
    finally:
        gc.enable()
    after = sample(one, "python_gc_pause_seconds_count", generation="2")
    assert after == before + 2
    assert sample(two, "python_gc_pause_seconds_count", generation="2") == after
    assert sample(one, "python_gc_pause_seconds_sum", generation="2") > 0
    assert sample(one, "python_gc_pause_seconds_bucket", generation="2", le="+Inf") == after
    assert callbacks_of_ours() == 1, "registering twice hooked the collector twice"


def callbacks_of_ours() -> int:
    return sum(type(c).__module__ == "kube.component.gc_pauses" for c in gc.callbacks)


def test_the_density_figures_difference_two_scrapes() -> None:
    def text(count: int, total: float, slow: int) -> str:
        return "\n".join([
            f'python_gc_pause_seconds_bucket{{generation="2",le="0.1"}} {count - slow}',
            f'python_gc_pause_seconds_bucket{{generation="2",le="1.6"}} {count}',
            f'python_gc_pause_seconds_bucket{{generation="2",le="+Inf"}} {count}',
            f'python_gc_pause_seconds_sum{{generation="2"}} {total}',
            'python_gc_pause_seconds_bucket{generation="0",le="0.1"} 7',
            'python_gc_pause_seconds_bucket{generation="0",le="1.6"} 7',
            'python_gc_pause_seconds_bucket{generation="0",le="+Inf"} 7',
            'python_gc_pause_seconds_sum{generation="0"} 0.01'])
    figures = gc_pauses(text(13, 4.5, 3), text(10, 1.0, 1))
    assert figures == {"generation 2": {"count": 3, "seconds": 3.5, "p99": 1.5775, "longest_at_most": 1.6}}, figures
