"""The exec benchmark (tests/bench/exec_bench.py) at a small size: every round trip through the API
server returns exit code 0 (run asserts it), and the figures are ordered."""

from __future__ import annotations

import pytest

from tests.bench.exec_bench import run
from tests.fixtures.requirements import require_docker

pytestmark = [pytest.mark.slow, pytest.mark.docker]


def test_exec_bench_small() -> None:
    require_docker()
    result = run(runs=5)
    api, floor = result["python_client_via_api_server"], result["docker_exec_alone"]
    assert result["runs"] == 5
    for figures in (api, floor):
        assert 0 < figures["p50_ms"] <= figures["p90_ms"] <= figures["p99_ms"]
