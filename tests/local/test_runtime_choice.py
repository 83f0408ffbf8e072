"""Which minions `kube up` runs, and that a second `kube up` keeps the ones running."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kube.local import processes
from kube.local.layout import ClusterDir
from kube.local.runtime_choice import choose_runtime, runtime_in_use

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ClusterDir]:
    c = ClusterDir(tmp_path)
    c.create()
    yield c
    for pid_file in c.run.glob("*.pid"):
        processes.stop(c, pid_file.stem, timeout=5)


def test_simulated_when_asked(cluster: ClusterDir) -> None:
    choice = choose_runtime(cluster, "simulated", build_images=False)
    assert (choice.runtime, choice.reason) == ("simulated", "")


def test_running_simulated_minions_are_kept_even_when_docker_is_asked(cluster: ClusterDir) -> None:
    processes.start(cluster, "nodes", SLEEPER)
    choice = choose_runtime(cluster, "docker", build_images=False)
    assert choice.runtime == "simulated" and "already running" in choice.reason


def test_running_docker_minions_are_kept_even_when_simulated_is_asked(cluster: ClusterDir) -> None:
    processes.start(cluster, "minion-b", SLEEPER)
    assert runtime_in_use(cluster) == "docker"
    choice = choose_runtime(cluster, "simulated", build_images=False)
    assert choice.runtime == "docker" and choice.reason


def test_stopped_components_do_not_count(cluster: ClusterDir) -> None:
    processes.start(cluster, "nodes", SLEEPER)
    assert processes.stop(cluster, "nodes", timeout=5)
    assert runtime_in_use(cluster) is None
    assert not processes.stop(cluster, "nodes")  # a second stop: nothing was running


def test_without_docker_it_falls_back_to_simulated_and_says_why(cluster: ClusterDir, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no `docker` command to find
    choice = choose_runtime(cluster, "docker")
    assert choice.runtime == "simulated"
    assert "Docker is not available" in choice.reason
