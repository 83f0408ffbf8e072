"""Background processes of the local cluster, tracked by pid files.

Each component runs in its own session (so `kube down` can signal its whole
process group) with stdout and stderr appended to `.cluster/logs/<name>.log`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from kube.local.layout import ClusterDir


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers kill(0); it is not running
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False


def running(cluster: ClusterDir, component: str) -> int | None:
    pid = read_pid(cluster.pid_file(component))
    return pid if alive(pid) else None


def start(cluster: ClusterDir, component: str, argv: list[str], env: dict[str, str] | None = None) -> int:
    log = open(cluster.log_file(component), "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, env={**os.environ, **(env or {})})
    log.close()
    cluster.pid_file(component).write_text(f"{proc.pid}\n")
    return proc.pid


def stop(cluster: ClusterDir, component: str, timeout: float = 15.0) -> bool:
    """SIGTERM the component's process group, SIGKILL after timeout. True if it was running."""
    pid_file = cluster.pid_file(component)
    pid = read_pid(pid_file)
    if not alive(pid):
        pid_file.unlink(missing_ok=True)
        return False
    assert pid is not None
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        _signal_group(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)
