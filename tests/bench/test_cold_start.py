"""kube/bench/cold_start.py: phase shares never sum past the time to the first pod, the steady
rate counts only the pods after the first, and the timing patches are undone at the first pod."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.bench.cold_start import ColdStart, attribute, merge, steady_rate, subtract

spans = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda s: (float(min(s)), float(max(s)))),
                 max_size=8)


def cover(spans: list[tuple[float, float]]) -> set[int]:
    """The unit cells [i, i+1) a list of integer spans covers."""
    return {i for a, b in spans for i in range(int(a), int(b))}


@given(st.dictionaries(st.sampled_from("abcde"), spans, max_size=5), st.integers(0, 45))
def test_each_instant_goes_to_the_first_phase_covering_it(phases, end) -> None:
    shares = attribute(phases, float(end))
    expected = dict.fromkeys(phases, 0.0)
    for cell in range(end):  # brute force on unit cells: integer spans make it exact
        owner = next((name for name, s in phases.items() if cell in cover(s)), None)
        if owner is not None:
            expected[owner] += 1.0
    assert shares == pytest.approx(expected)
    assert sum(shares.values()) <= end + 1e-9


@given(spans, spans)
def test_merge_and_subtract_are_set_union_and_difference(a, b) -> None:
    ma, mb = merge(a), merge(b)
    assert cover(ma) == cover(a)
    assert all(x[1] < y[0] for x, y in zip(ma, ma[1:], strict=False))  # sorted, disjoint, not touching
    assert cover(subtract(ma, mb)) == cover(a) - cover(b)


def test_overlapping_phases_share_the_time_by_priority() -> None:
    # gc ran inside the queue phase; the list overlapped both: 10 s in all, never 10 + 2 + 6
    shares = attribute({"gc": [(3.0, 5.0)], "queue": [(2.0, 8.0)], "list": [(0.0, 10.0)]}, 10.0)
    assert shares == {"gc": 2.0, "queue": 4.0, "list": 4.0}
    assert attribute({"late": [(8.0, 20.0)]}, 10.0) == {"late": 2.0}  # clipped at the first pod


def test_steady_rate_counts_the_pods_after_the_first() -> None:
    assert steady_rate(101, 3.0, 1.0) == pytest.approx(50.0)  # 100 pods in the 2 s after the first
    assert steady_rate(1, 3.0, 1.0) == 0.0  # no steady window with one pod
    assert steady_rate(10, 3.0, None) == 0.0  # no pod done at all
    assert steady_rate(10, 1.0, 1.0) == 0.0


class Worker:
    def step(self, x: int) -> int:
        time.sleep(0.002)
        return x + 1


def test_patches_time_calls_until_the_first_pod_then_go_away() -> None:
    w = Worker()
    start = time.perf_counter()
    cold = ColdStart(start, ("step",))
    cold.patch(w, "step", "step")
    assert w.step(1) == 2 and "step" in w.__dict__
    cold.first_pod_done(time.perf_counter())
    assert "step" not in w.__dict__ and w.step(2) == 3  # the class's method again
    assert cold._gc not in gc.callbacks  # the collector is no longer watched
    report = cold.report()
    assert 0.002 <= report["phases"]["step"] <= report["time_to_first_pod_s"]
    assert len(cold.spans["step"]) == 1  # the call after the first pod was not recorded
    cold.first_pod_done(time.perf_counter() + 5)  # a later pod changes nothing
    assert cold.report()["time_to_first_pod_s"] == report["time_to_first_pod_s"]


def test_gc_inside_the_cold_start_is_its_own_phase() -> None:
    cold = ColdStart(time.perf_counter(), ("work",))
    began = time.perf_counter()
    gc.collect()
    cold.interval("work", began, time.perf_counter())
    cold.first_pod_done(time.perf_counter())
    phases = cold.report()["phases"]
    assert phases["gc"] > 0 and list(phases) == ["gc", "work"]  # the collection is not charged to work


def test_no_pod_done_reports_none() -> None:
    cold = ColdStart(time.perf_counter(), ("work",))
    cold.close()
    assert cold.report() == {"time_to_first_pod_s": None, "phases": {}, "other_s": None}


async def test_timed_async_spans_the_await() -> None:
    async def slow() -> str:
        await asyncio.sleep(0.01)
        return "ok"

    cold = ColdStart(time.perf_counter(), ("list",))
    assert await cold.timed_async("list", slow)() == "ok"
    (a, b), = cold.spans["list"]
    assert b - a >= 0.01


def test_steady_rate_after_a_first_moment_seen_by_polling() -> None:
    assert steady_rate(100, 5.0, 1.0, done_at_first=20) == pytest.approx(20.0)  # 80 more pods in 4 s
    assert steady_rate(20, 5.0, 1.0, done_at_first=20) == 0.0  # all were done by the first poll
