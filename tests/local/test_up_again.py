"""`kube up` run again starts exactly the components that are not running; the cluster's
files are private and each component logs to its own rotated file (simulated minions)."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from kube.local import processes
from kube.local.plan import LOG_FILES_KEPT, LOG_MAX_MB
from tests.conftest import free_port
from tests.local.local_cluster import LocalCluster, wait_for

pytestmark = pytest.mark.slow

COMPONENTS = {"apiserver", "scheduler", "controller-manager", "nodes"}
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: ")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    base = tmp_path_factory.mktemp("up-again")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    c.up("--runtime", "simulated", "--no-examples")
    try:
        yield c
    finally:
        c.down()


def pids(cluster: LocalCluster) -> dict[str, int | None]:
    return {name: processes.running(cluster.dir, name) for name in COMPONENTS}


def kill(pid: int) -> None:
    os.killpg(pid, signal.SIGKILL)
    wait_for(f"pid {pid} to die", lambda: not processes.alive(pid), 10, 0.05)


def status_lines(out: str) -> dict[str, str]:
    """`  <name>   started (...)` / `already running (...)` lines of kube up, by component."""
    lines = {}
    for line in out.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0] in COMPONENTS:
            lines[parts[0]] = parts[1]
    return lines


def test_up_again_restarts_only_the_killed_component(cluster: LocalCluster) -> None:
    before = pids(cluster)
    assert all(before.values()), before
    kill(before["scheduler"])  # type: ignore[arg-type]
    out = cluster.up("--runtime", "simulated", "--no-examples").stdout
    lines = status_lines(out)
    assert lines["scheduler"].startswith("started")
    assert all(lines[n].startswith("already running") for n in COMPONENTS - {"scheduler"}), out
    after = pids(cluster)
    assert after["scheduler"] and after["scheduler"] != before["scheduler"]
    assert {n: p for n, p in after.items() if n != "scheduler"} == {
        n: p for n, p in before.items() if n != "scheduler"}


def test_up_again_with_everything_running_starts_nothing(cluster: LocalCluster) -> None:
    before = pids(cluster)
    out = cluster.up("--runtime", "simulated", "--no-examples").stdout
    assert "started" not in out
    assert pids(cluster) == before


def test_a_stale_pid_file_naming_someone_elses_process_is_replaced_not_signalled(cluster: LocalCluster) -> None:
    before = pids(cluster)
    kill(before["controller-manager"])  # type: ignore[arg-type]
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    try:
        # the pid file now names a live process that is not the controller manager (as after a reboot)
        cluster.dir.pid_file("controller-manager").write_text(f"{stranger.pid}\n")
        out = cluster.up("--runtime", "simulated", "--no-examples").stdout
        assert status_lines(out)["controller-manager"].startswith("started")
        restarted = processes.running(cluster.dir, "controller-manager")
        assert restarted and restarted != stranger.pid
        time.sleep(0.5)
        assert stranger.poll() is None  # untouched
    finally:
        stranger.kill()
        stranger.wait()


def test_the_cluster_files_are_private(cluster: LocalCluster) -> None:
    root = cluster.root
    for directory in (root, root / "pki", root / "logs", root / "run", root / "kubeconfigs"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    private = [root / "state.db", root / "kubeconfig", *(root / "kubeconfigs").iterdir(),
               *(root / "pki").glob("*.key"), root / "pki" / "tokens.csv"]
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_each_component_logs_to_its_own_rotated_file(cluster: LocalCluster) -> None:
    for name in COMPONENTS:
        argv = processes.command_line(processes.running(cluster.dir, name))  # type: ignore[arg-type]
        log = cluster.dir.log_file(name)
        assert argv[argv.index("--log-file") + 1] == str(log)
        assert argv[argv.index("--log-file-max-size") + 1] == str(LOG_MAX_MB)
        assert argv[argv.index("--log-files-kept") + 1] == str(LOG_FILES_KEPT)
        lines = wait_for(f"{name}'s log", lambda log=log: log.exists() and log.read_text().splitlines(), 30)
        assert all(LOG_LINE.match(line) for line in lines[:5]), lines[:5]
        # stdout and stderr are only a capture for what is printed before logging starts
        assert cluster.dir.out_file(name).stat().st_size < 4096
