"""One container's cumulative CPU time and working-set memory, read from Docker's one-shot
stats (`GET /containers/<id>/stats?stream=false&one-shot=true`), and the host's (pure
reads, no rates: kube/node/stats_summary.py turns two samples into a CPU rate).

When Docker answers an empty sample (a dockerd that cannot load the container's cgroup,
as on machines whose cgroup controllers are mounted one per directory: "cgroups: cannot
find cgroup mount destination" in its log), the same two numbers are read from the
container's cgroup files, v1 (cpuacct.usage, memory.usage_in_bytes) or v2 (cpu.stat,
memory.current), less inactive file pages, as Docker and cAdvisor count the working set.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import docker

CGROUP_ROOT = "/sys/fs/cgroup"
NEVER = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class Sample:
    at: float  # epoch seconds the sample was taken
    cpu_ns: int  # cumulative CPU time
    memory_bytes: int  # working set


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _stat_value(text: str, key: str) -> int:
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            return int(value)
    return 0


def cgroup_sample(container_id: str, root: str = CGROUP_ROOT) -> Sample | None:
    """The container's cgroup numbers (cgroupfs driver, v1 or v2); None when not found."""
    now = time.time()
    v1_cpu = os.path.join(root, "cpuacct", "docker", container_id)
    if os.path.isdir(v1_cpu):
        memory_dir = os.path.join(root, "memory", "docker", container_id)
        try:
            cpu = int(_read(os.path.join(v1_cpu, "cpuacct.usage")))
            usage = int(_read(os.path.join(memory_dir, "memory.usage_in_bytes")))
            inactive = _stat_value(_read(os.path.join(memory_dir, "memory.stat")), "total_inactive_file")
        except (OSError, ValueError):
            return None
        return Sample(now, cpu, max(0, usage - inactive))
    for v2 in (os.path.join(root, "docker", container_id),
               os.path.join(root, "system.slice", f"docker-{container_id}.scope")):
        if os.path.isdir(v2):
            try:
                cpu = _stat_value(_read(os.path.join(v2, "cpu.stat")), "usage_usec") * 1000
                usage = int(_read(os.path.join(v2, "memory.current")))
                inactive = _stat_value(_read(os.path.join(v2, "memory.stat")), "inactive_file")
            except (OSError, ValueError):
                return None
            return Sample(now, cpu, max(0, usage - inactive))
    return None


def docker_sample(client: docker.DockerClient, container_id: str) -> Sample | None:
    """Docker's one-shot stats, else the cgroup files; None when the container is gone."""
    try:
        stats = client.api.stats(container_id, stream=False, one_shot=True)
    except docker.errors.NotFound:
        return None
    except docker.errors.APIError:
        stats = {}
    if stats.get("read", NEVER).startswith("0001"):
        return cgroup_sample(container_id)
    memory = stats.get("memory_stats") or {}
    inner = memory.get("stats") or {}
    inactive = int(inner.get("total_inactive_file", inner.get("inactive_file", 0)) or 0)
    return Sample(time.time(), int(((stats.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage") or 0),
                  max(0, int(memory.get("usage") or 0) - inactive))


def host_sample(proc: str = "/proc") -> Sample:
    """The whole machine: CPU time of all cores (/proc/stat, busy jiffies) and memory in use
    (MemTotal - MemAvailable), which is what the node reports as its own usage."""
    fields = _read(os.path.join(proc, "stat")).splitlines()[0].split()[1:]
    jiffies = [int(x) for x in fields]
    busy = sum(jiffies) - jiffies[3] - (jiffies[4] if len(jiffies) > 4 else 0)  # less idle and iowait
    hz = os.sysconf("SC_CLK_TCK")
    meminfo = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in _read(os.path.join(proc, "meminfo"))
               .splitlines() if line.count(":") == 1 and len(line.split()) >= 2}
    memory = meminfo.get("MemTotal", 0) - meminfo.get("MemAvailable", 0)
    return Sample(time.time(), busy * 1_000_000_000 // hz, memory)
