"""`kube down` stops the minions before the control plane they report to, and only its own processes."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.local import processes
from kube.local.down_command import run, stop_order
from kube.local.layout import ClusterDir
from kube.local.plan import CONTROL_PLANE, MACHINE_DAEMONS

names = st.lists(st.sampled_from(["apiserver", "scheduler", "controller-manager", "nodes", "minion-a",
                                  "minion-b", "minion-c", "proxy", "dns"]), unique=True)


@given(names)
def test_nodes_stop_first_and_the_apiserver_last(present: list[str]) -> None:
    order = stop_order(present)
    assert sorted(order) == sorted(present)
    nodes = [i for i, n in enumerate(order) if n not in CONTROL_PLANE]
    control = [i for i, n in enumerate(order) if n in CONTROL_PLANE]
    assert all(a < b for a in nodes for b in control)
    if "apiserver" in order:
        assert order[-1] == "apiserver"
    minions = [i for i, n in enumerate(order) if n.startswith("minion-") or n == "nodes"]
    machine = [i for i, n in enumerate(order) if n in MACHINE_DAEMONS]
    assert all(a < b for a in minions for b in machine)  # the pods' endpoints go before the proxy


def test_down_removes_a_stale_pid_file_and_signals_nobody(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cluster = ClusterDir(tmp_path / "cluster")
    cluster.create()
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        cluster.pid_file("scheduler").write_text(f"{stranger.pid}\n")  # left from before a reboot
        mine = processes.start(cluster, "apiserver", [sys.executable, "-c", "import time; time.sleep(60)"])
        assert run(argparse.Namespace(dir=str(cluster.root))) == 0
        out = capsys.readouterr().out
        assert "scheduler            was not running (stale pid file removed)" in out
        assert "apiserver            stopped" in out
        assert stranger.poll() is None
        _, status = os.waitpid(mine, 0)
        assert os.WIFSIGNALED(status)  # the component itself was stopped
        assert not list(cluster.run.iterdir())
    finally:
        stranger.kill()
        stranger.wait()
