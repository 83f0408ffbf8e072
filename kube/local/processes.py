"""Background processes of the local cluster, tracked by pid files that cannot go stale.

Each component runs in its own session, so `kube down` can signal its whole
process group. `run/<name>.pid` holds the component's own process id (the one
Popen started: no shell in between) and `run/<name>.start` beside it records
which process that was: the boot it ran in (the kernel's boot_id) and its start
time (field 22 of /proc/<pid>/stat, in clock ticks since boot). A pid names the
component only while both still match, so after a reboot, or once the pid has
been reused by something else, the pid file is stale: `kube up` starts the
component again and `kube down` signals nothing and removes the files. A pid
file without its record (from an older build) is believed only if the
process's command line runs `kube` and names the component.

stdout and stderr go to `logs/<name>.out` (the previous start's is kept as
`.out.1`): the component's own log lines go to the rotated `--log-file` its
plan gives it (plan.py), so this file holds only what is printed before
logging starts or after it breaks, such as a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kube.local.layout import ClusterDir
from kube.local.plan import SIMULATED_FLEET

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True, slots=True)
class StartRecord:
    """Who a pid was when it was started: the boot and the process's start time in it."""

    boot_id: str
    start_ticks: int

    def line(self) -> str:
        return f"{self.boot_id} {self.start_ticks}\n"

    @classmethod
    def parse(cls, text: str) -> StartRecord | None:
        parts = text.split()
        if len(parts) != 2 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]))


def read_pid(path: Path) -> int | None:
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid > 0 else None


def current_boot() -> str:
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return "unknown"


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on; the command name before it may hold spaces."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None


def record_of(pid: int) -> StartRecord | None:
    fields = _stat_fields(pid)
    return StartRecord(current_boot(), int(fields[19])) if fields else None


def alive(pid: int | None) -> bool:
    """The process exists and is not a zombie (a zombie still answers kill(0))."""
    if not pid:
        return False
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def command_line(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [arg.decode(errors="replace") for arg in f.read().split(b"\0") if arg]
    except OSError:
        return []


def looks_like(pid: int, component: str) -> bool:
    """For a pid file without a start record: does the process run `kube` for this component?"""
    args = command_line(pid)
    runs_kube = any(arg == "kube" or arg.endswith("/kube") for arg in args)
    names_it = component in args or (component == SIMULATED_FLEET and "--simulated" in args)
    return runs_kube and names_it


def running(cluster: ClusterDir, component: str) -> int | None:
    """The component's pid if the pid file names it and that process is the one started
    for it (see the module docstring); None for a missing, stale or reused pid file."""
    pid = read_pid(cluster.pid_file(component))
    if pid is None or not alive(pid):
        return None
    try:
        recorded = StartRecord.parse(cluster.start_record(component).read_text())
    except OSError:
        return pid if looks_like(pid, component) else None
    return pid if recorded is not None and recorded == record_of(pid) else None


def start(cluster: ClusterDir, component: str, argv: list[str], env: dict[str, str] | None = None) -> int:
    """Start the component in a session of its own; record its pid and who it is."""
    out = cluster.out_file(component)
    if out.exists() and out.stat().st_size:
        out.replace(out.with_name(out.name + ".1"))
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        proc = subprocess.Popen(argv, stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env={**os.environ, **(env or {})})
    finally:
        os.close(fd)
    record = record_of(proc.pid)  # read at once: the start time stays the same across exec
    cluster.pid_file(component).write_text(f"{proc.pid}\n")
    cluster.start_record(component).write_text(record.line() if record else "")
    return proc.pid


def forget(cluster: ClusterDir, component: str) -> None:
    cluster.pid_file(component).unlink(missing_ok=True)
    cluster.start_record(component).unlink(missing_ok=True)


def stop(cluster: ClusterDir, component: str, timeout: float = 15.0) -> bool:
    """SIGTERM the component's process group, SIGKILL after timeout. True if it was running;
    a stale pid file is only removed: whatever process has that pid now is not signalled."""
    pid = running(cluster, component)
    if pid is None:
        forget(cluster, component)
        return False
    send_signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        send_signal(pid, signal.SIGKILL)
    forget(cluster, component)
    return True


def send_signal(pid: int, sig: int) -> None:
    """The whole group when the component leads one (it was started in its own session),
    else the process alone."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)
