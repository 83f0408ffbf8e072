"""Cold start apart from steady state: what a run spends before its first pod is done.

A benchmark's timed window starts cold (caches to fill, columns to build, the kernel's
first call, the first request's connection); averaging that into a throughput hides both
figures. `ColdStart` records, until the first pod is done, the intervals each named phase
ran in (callbacks wrapped with `timed`, or `interval` spans), and reports the time to the
first pod with each phase's share of it. Phases may overlap (two informers list at once,
callbacks run while the other list is in flight); `attribute` gives each instant to the
first phase in priority order that covers it, so the shares never sum past the total.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any, TypeVar

Span = tuple[float, float]
F = TypeVar("F", bound=Callable[..., Any])


def steady_rate(done: int, elapsed: float, first_pod: float | None, done_at_first: int = 1) -> float:
    """Pods per second in the steady window, first pod done -> last: the pods done after that
    moment (`done_at_first` were done by then: more than one when it is seen by polling)."""
    if first_pod is None or done <= done_at_first or elapsed <= first_pod:
        return 0.0
    return (done - done_at_first) / (elapsed - first_pod)


def merge(spans: list[Span]) -> list[Span]:
    """The union of spans as sorted, disjoint spans (empty ones dropped)."""
    out: list[Span] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def subtract(spans: list[Span], taken: list[Span]) -> list[Span]:
    """Sorted disjoint `spans` minus sorted disjoint `taken`."""
    out: list[Span] = []
    j = 0
    for a, b in spans:
        while j < len(taken) and taken[j][1] <= a:
            j += 1
        k, start = j, a
        while k < len(taken) and taken[k][0] < b:
            if taken[k][0] > start:
                out.append((start, taken[k][0]))
            start = max(start, taken[k][1])
            k += 1
        if start < b:
            out.append((start, b))
    return out


def attribute(phases: dict[str, list[Span]], end: float) -> dict[str, float]:
    """Seconds of [0, end] per phase, each instant to the first phase (dict order) covering it."""
    claimed: list[Span] = []
    shares: dict[str, float] = {}
    for name, spans in phases.items():
        clipped = merge([(max(0.0, a), min(end, b)) for a, b in spans])
        own = subtract(clipped, claimed)
        shares[name] = sum(b - a for a, b in own)
        claimed = merge(claimed + own)
    return shares


class ColdStart:
    """Phase intervals from `start` (a perf_counter reading) until `first_pod_done`."""

    def __init__(self, start: float, order: tuple[str, ...]) -> None:
        self.start = start
        self.spans: dict[str, list[Span]] = {"gc": [], **{name: [] for name in order}}  # priority order
        self.first_pod: float | None = None  # seconds since start
        self.first_pod_cpu = 0.0  # this process's CPU seconds (process_time) then
        self._patched: list[tuple[Any, str, Any, bool]] = []
        self._gc_began = 0.0
        gc.callbacks.append(self._gc)  # the collector runs inside other phases: it comes first

    def _gc(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
        else:
            self.interval("gc", self._gc_began, time.perf_counter())

    @property
    def cold(self) -> bool:
        return self.first_pod is None

    def interval(self, name: str, began: float, ended: float) -> None:
        """A phase ran from `began` to `ended` (perf_counter readings); kept if it began while cold."""
        if self.first_pod is None or began - self.start < self.first_pod:
            self.spans[name].append((began - self.start, ended - self.start))

    def timed(self, name: str, func: F) -> F:
        """`func`, recording each call as an interval of `name` while the run is cold."""
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.first_pod is not None:
                return func(*args, **kwargs)
            began = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.interval(name, began, time.perf_counter())
        return wrapper  # type: ignore[return-value]

    def timed_async(self, name: str, func: F) -> F:
        """`timed` for a coroutine function: the interval runs from the call to the result."""
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.first_pod is not None:
                return await func(*args, **kwargs)
            began = time.perf_counter()
            try:
                return await func(*args, **kwargs)
            finally:
                self.interval(name, began, time.perf_counter())
        return wrapper  # type: ignore[return-value]

    def patch(self, obj: Any, attr: str, name: str) -> None:
        """Time `obj.attr` calls as phase `name` until the first pod is done, then put it back."""
        self.replace(obj, attr, self.timed(name, getattr(obj, attr)))

    def replace(self, obj: Any, attr: str, value: Any) -> None:
        """Set `obj.attr` to `value` until the first pod is done."""
        self._patched.append((obj, attr, getattr(obj, attr), attr in getattr(obj, "__dict__", {})))
        setattr(obj, attr, value)

    def first_pod_done(self, at: float) -> None:
        """The first pod is done at `at` (perf_counter); later calls change nothing."""
        if self.first_pod is None:
            self.first_pod = max(0.0, at - self.start)
            self.first_pod_cpu = time.process_time()
            self.close()

    def close(self) -> None:
        """Undo the patches and stop watching the collector (the steady state runs untouched)."""
        for obj, attr, original, own in reversed(self._patched):
            if own:
                setattr(obj, attr, original)
            else:
                delattr(obj, attr)
        self._patched.clear()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)

    def report(self) -> dict[str, Any]:
        """`{"time_to_first_pod_s", "phases": {name: s}, "other_s"}` (phases that ran, in priority
        order; `other_s` is the time none covered); None and {} when no pod got done."""
        if self.first_pod is None:
            return {"time_to_first_pod_s": None, "phases": {}, "other_s": None}
        shares = attribute({name: spans for name, spans in self.spans.items() if spans}, self.first_pod)
        phases = {name: round(s, 4) for name, s in shares.items()}
        return {"time_to_first_pod_s": round(self.first_pod, 4), "phases": phases,
                "other_s": round(max(0.0, self.first_pod - sum(shares.values())), 4)}
