"""Container and host usage samples read from cgroup files and /proc (the fallback when
Docker's stats come back empty), and CPU rates from two samples (pure, on fake trees)."""

from __future__ import annotations

from pathlib import Path

from kube.node.container_stats import Sample, cgroup_sample, host_sample
from kube.node.stats_summary import _cpu


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v1_working_set_is_usage_less_inactive_file(tmp_path: Path):
    cid = "abc123"
    write(tmp_path / "cpuacct" / "docker" / cid / "cpuacct.usage", "5000000000\n")
    write(tmp_path / "memory" / "docker" / cid / "memory.usage_in_bytes", "10485760\n")
    write(tmp_path / "memory" / "docker" / cid / "memory.stat", "cache 100\ntotal_inactive_file 2097152\n")
    sample = cgroup_sample(cid, str(tmp_path))
    assert sample is not None and sample.cpu_ns == 5_000_000_000 and sample.memory_bytes == 8 * 1024 * 1024


def test_cgroup_v2_reads_usage_usec(tmp_path: Path):
    cid = "def456"
    scope = tmp_path / "system.slice" / f"docker-{cid}.scope"
    write(scope / "cpu.stat", "usage_usec 1500000\nuser_usec 1000000\n")
    write(scope / "memory.current", "4096\n")
    write(scope / "memory.stat", "anon 10\ninactive_file 1024\n")
    sample = cgroup_sample(cid, str(tmp_path))
    assert sample is not None and sample.cpu_ns == 1_500_000_000 and sample.memory_bytes == 3072


def test_a_missing_or_broken_cgroup_is_none(tmp_path: Path):
    assert cgroup_sample("nope", str(tmp_path)) is None
    write(tmp_path / "cpuacct" / "docker" / "x" / "cpuacct.usage", "garbage")
    assert cgroup_sample("x", str(tmp_path)) is None


def test_host_sample_counts_busy_jiffies_and_memory_in_use(tmp_path: Path):
    write(tmp_path / "stat", "cpu  100 0 50 1000 25 0 0 0 0 0\ncpu0 1 2 3\n")
    write(tmp_path / "meminfo", "MemTotal:       8000 kB\nMemFree:  1000 kB\nMemAvailable:   3000 kB\n")
    sample = host_sample(str(tmp_path))
    assert sample.memory_bytes == 5000 * 1024
    assert sample.cpu_ns > 0


def test_cpu_rate_is_the_delta_over_the_window():
    prev, cur = Sample(100.0, 1_000_000_000, 0), Sample(102.0, 3_000_000_000, 0)
    cpu = _cpu(prev, cur)
    assert cpu["usageNanoCores"] == 1_000_000_000 and cpu["windowSeconds"] == 2.0
    assert _cpu(None, cur)["usageNanoCores"] == 0
    assert _cpu(Sample(100.0, 5_000_000_000, 0), cur)["usageNanoCores"] == 0  # a reset counter: never negative
