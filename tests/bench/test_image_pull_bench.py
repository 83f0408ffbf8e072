"""The image pull benchmark (tests/bench/image_pull_bench.py) at a small size: both kinds of pull
download the whole image from the loopback registry, and the figures add up."""

from __future__ import annotations

import pytest

from tests.bench.image_pull_bench import run
from tests.fixtures.registry import require_registry
from tests.fixtures.requirements import require_docker

pytestmark = [pytest.mark.slow, pytest.mark.docker]


def test_image_pull_bench_small() -> None:
    require_docker()
    require_registry()
    result = run(mib=4, rounds=1)
    assert result["image_bytes"] == 4 * 1024 * 1024
    assert result["docker_pull_median_s"] > 0 and result["agent_pull_median_s"] > 0 and result["ratio"] > 0
