"""The port-forward benchmark (tests/bench/port_forward_bench.py) at a small size: every byte of the
one-connection download arrives, every parallel connection is answered, and the figures add up."""

from __future__ import annotations

import pytest

from tests.bench.port_forward_bench import run
from tests.fixtures.requirements import require_docker

pytestmark = [pytest.mark.slow, pytest.mark.docker]


def test_port_forward_bench_small() -> None:
    require_docker()
    result = run(mib=8, connections=20)
    assert result["mib"] == 8 and result["connections"] == 20
    assert result["single_seconds"] > 0 and result["single_mb_per_s"] > 0 and result["upload_mb_per_s"] > 0
    assert 0 < result["parallel_p50_ms"] <= result["parallel_p99_ms"] <= result["parallel_wall_seconds"] * 1000 + 1
