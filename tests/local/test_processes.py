"""Pid files name a component only while that very process runs; stale ones are never signalled."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kube.local import processes
from kube.local.layout import ClusterDir

SLEEP = "import time; time.sleep(60)"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ClusterDir]:
    c = ClusterDir(tmp_path / "cluster")
    c.create()
    yield c
    for pid_file in c.run.glob("*.pid"):
        processes.stop(c, pid_file.stem, timeout=5)


@pytest.fixture
def stranger() -> Iterator[subprocess.Popen[bytes]]:
    """Someone else's process in a group of its own: what a stale pid file may name after a reboot."""
    proc = subprocess.Popen([sys.executable, "-c", SLEEP], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait()


def wait_dead(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not processes.alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_the_pid_file_holds_the_components_own_pid_and_who_it_was(cluster: ClusterDir) -> None:
    argv = [sys.executable, "-c", SLEEP, "kube", "scheduler"]
    pid = processes.start(cluster, "scheduler", argv)
    assert cluster.pid_file("scheduler").read_text() == f"{pid}\n"
    assert processes.command_line(pid) == argv  # the component itself, no shell in between
    assert os.getpgid(pid) == pid  # in a session and process group of its own
    record = processes.StartRecord.parse(cluster.start_record("scheduler").read_text())
    assert record == processes.record_of(pid) and record.boot_id == processes.current_boot()
    assert processes.running(cluster, "scheduler") == pid


def test_a_pid_file_from_another_boot_is_stale_and_its_pid_is_not_signalled(
        cluster: ClusterDir, stranger: subprocess.Popen[bytes]) -> None:
    processes.start(cluster, "apiserver", [sys.executable, "-c", SLEEP])
    processes.stop(cluster, "apiserver", timeout=5)
    # after a reboot: the pid files are still there, and the pid now belongs to someone else
    cluster.pid_file("apiserver").write_text(f"{stranger.pid}\n")
    record = processes.record_of(stranger.pid)
    assert record is not None
    cluster.start_record("apiserver").write_text(f"an-earlier-boot {record.start_ticks}\n")
    assert processes.running(cluster, "apiserver") is None
    assert processes.stop(cluster, "apiserver", timeout=1) is False
    assert stranger.poll() is None  # not signalled
    assert not cluster.pid_file("apiserver").exists() and not cluster.start_record("apiserver").exists()


def test_a_reused_pid_of_this_boot_is_stale_too(cluster: ClusterDir, stranger: subprocess.Popen[bytes]) -> None:
    cluster.pid_file("scheduler").write_text(f"{stranger.pid}\n")
    record = processes.record_of(stranger.pid)
    assert record is not None
    cluster.start_record("scheduler").write_text(f"{record.boot_id} {record.start_ticks + 1}\n")
    assert processes.running(cluster, "scheduler") is None
    assert processes.stop(cluster, "scheduler", timeout=1) is False
    assert stranger.poll() is None


def test_a_pid_file_without_a_record_is_believed_only_for_a_kube_process_naming_the_component(
        cluster: ClusterDir, stranger: subprocess.Popen[bytes]) -> None:
    cluster.pid_file("controller-manager").write_text(f"{stranger.pid}\n")  # an older build's pid file
    assert processes.running(cluster, "controller-manager") is None
    assert processes.stop(cluster, "controller-manager", timeout=1) is False
    assert stranger.poll() is None

    pid = processes.start(cluster, "controller-manager", [sys.executable, "-c", SLEEP, "kube", "controller-manager"])
    cluster.start_record("controller-manager").unlink()
    assert processes.running(cluster, "controller-manager") == pid
    assert processes.running(cluster, "scheduler") is None  # no pid file at all


@pytest.mark.parametrize("text", ["", "garbage\n", "-5\n", "0\n"])
def test_unreadable_pid_files_name_nothing(cluster: ClusterDir, text: str) -> None:
    cluster.pid_file("scheduler").write_text(text)
    assert processes.running(cluster, "scheduler") is None
    assert processes.stop(cluster, "scheduler") is False
    assert not cluster.pid_file("scheduler").exists()


def test_stop_signals_the_components_whole_process_group(cluster: ClusterDir, tmp_path: Path) -> None:
    child_pid_file = tmp_path / "child.pid"
    script = ("import subprocess, sys, time; child = subprocess.Popen([sys.executable, '-c', 'import time; "
              f"time.sleep(60)']); open({str(child_pid_file)!r}, 'w').write(str(child.pid)); time.sleep(60)")
    pid = processes.start(cluster, "nodes", [sys.executable, "-c", script])
    deadline = time.monotonic() + 10
    while not child_pid_file.exists() or not child_pid_file.read_text():
        assert time.monotonic() < deadline, "the component's child never started"
        time.sleep(0.05)
    child = int(child_pid_file.read_text())
    assert processes.stop(cluster, "nodes", timeout=5)
    assert wait_dead(pid) and wait_dead(child)
    assert processes.running(cluster, "nodes") is None


def test_a_component_that_ignores_sigterm_is_killed_after_the_timeout(cluster: ClusterDir) -> None:
    script = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); " \
             "time.sleep(60)"
    pid = processes.start(cluster, "scheduler", [sys.executable, "-c", script])
    deadline = time.monotonic() + 10
    while "up" not in cluster.out_file("scheduler").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started = time.monotonic()
    assert processes.stop(cluster, "scheduler", timeout=0.5)
    assert wait_dead(pid) and time.monotonic() - started < 5


def test_stdout_goes_to_a_private_out_file_and_the_previous_one_is_kept(cluster: ClusterDir) -> None:
    for word in ("first", "second"):
        pid = processes.start(cluster, "scheduler", [sys.executable, "-c", f"print({word!r})"])
        assert wait_dead(pid)
        os.waitpid(pid, 0)
    out = cluster.out_file("scheduler")
    assert out.read_text() == "second\n"
    assert out.with_name("scheduler.out.1").read_text() == "first\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_the_cluster_directory_and_its_directories_are_private(tmp_path: Path) -> None:
    root = tmp_path / "cluster"
    root.mkdir(mode=0o755)
    (root / "logs").mkdir(mode=0o755)
    os.chmod(root, 0o755)
    os.chmod(root / "logs", 0o755)  # as an older build made them
    c = ClusterDir(root)
    c.create()
    for path in (c.root, c.pki, c.logs, c.run, c.kubeconfigs):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


def test_a_process_that_leads_no_group_is_signalled_alone() -> None:
    child = subprocess.Popen([sys.executable, "-c", SLEEP])  # in the test's own group: killpg would miss
    try:
        processes.send_signal(child.pid, signal.SIGTERM)
        assert child.wait(timeout=10) == -signal.SIGTERM
    finally:
        child.kill()
