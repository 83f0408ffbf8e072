"""Bucket sets: Kubernetes' exponential latency buckets, and nonsense refused."""

from __future__ import annotations

import pytest

from kube.component.metrics import LATENCY_BUCKETS, exponential_buckets


def test_latency_buckets_are_kubernetes_1ms_doubling_15() -> None:
    assert len(LATENCY_BUCKETS) == 15
    assert LATENCY_BUCKETS[0] == 0.001 and LATENCY_BUCKETS[-1] == pytest.approx(16.384)
    assert all(b == pytest.approx(2 * a) for a, b in zip(LATENCY_BUCKETS, LATENCY_BUCKETS[1:], strict=False))


@pytest.mark.parametrize("start,factor,count", [(0, 2, 3), (1, 1, 3), (1, 2, 0)])
def test_bad_bucket_parameters(start: float, factor: float, count: int) -> None:
    with pytest.raises(ValueError):
        exponential_buckets(start, factor, count)
