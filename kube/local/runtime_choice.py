"""Which runtime the minions of `kube up` use: docker when it can work here,
otherwise simulated minions, always with the reason said out loud."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from kube.local import processes
from kube.local.layout import ClusterDir
from kube.local.plan import SIMULATED_FLEET, is_docker_minion


@dataclass(frozen=True)
class RuntimeChoice:
    runtime: str  # docker | simulated
    reason: str = ""  # why it is not the one asked for ("" when it is)


def docker_usable() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def runtime_in_use(cluster: ClusterDir) -> str | None:
    """The runtime of minions already running here (a second `kube up` keeps them)."""
    if processes.running(cluster, SIMULATED_FLEET):
        return "simulated"
    if any(processes.running(cluster, p.stem) for p in cluster.run.glob("*.pid") if is_docker_minion(p.stem)):
        return "docker"
    return None


def choose_runtime(cluster: ClusterDir, requested: str, build_images: bool = True) -> RuntimeChoice:
    in_use = runtime_in_use(cluster)
    if in_use is not None:
        reason = "" if in_use == requested else f"{in_use} minions are already running here; keeping them"
        return RuntimeChoice(in_use, reason)
    if requested == "simulated":
        return RuntimeChoice("simulated")
    if not docker_usable():
        return RuntimeChoice("simulated", "Docker is not available here (`docker info` fails)")
    if build_images:
        from kube.node.images import ImageBuildError
        from kube.node.images import build_images as build

        try:
            build()
        except ImageBuildError as exc:
            return RuntimeChoice("simulated", f"the local images could not be built ({exc})")
    return RuntimeChoice("docker")
