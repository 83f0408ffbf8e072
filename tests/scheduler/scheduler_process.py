"""`kube scheduler` as a child process for tests: its log in a file, its /metrics over HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import free_port

BIND_LINE = re.compile(r"\bbound pod (\S+) to node (\S+)")
ATTEMPT_LINE = re.compile(r"\bbinding pod (\S+) to node (\S+)")


class SchedulerProcess:
    """One scheduler; `leader_elect` adds short lease timings so a takeover happens within seconds."""

    def __init__(self, kubeconfig: Path, log_dir: Path, name: str, *, leader_elect: bool = False,
                 extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        argv = [sys.executable, "-m", "kube", "scheduler", "--kubeconfig", str(kubeconfig),
                "--port", str(self.port), "--v", "2", *extra]
        if leader_elect:
            argv += ["--leader-elect", "--leader-elect-lease-duration", "3s",
                     "--leader-elect-renew-deadline", "2s", "--leader-elect-retry-period", "500ms"]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ})

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def bound(self) -> list[tuple[str, str]]:
        """(pod key, node) for every binding this scheduler saw acknowledged."""
        return BIND_LINE.findall(self.log())

    def attempts(self) -> list[tuple[str, str]]:
        return ATTEMPT_LINE.findall(self.log())

    def get(self, path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as resp:
            return resp.read().decode()

    def wait_serving(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"scheduler exited {self.proc.returncode}:\n{self.log()}"
            try:
                if self.get("/healthz") == "ok":
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"scheduler did not serve /healthz:\n{self.log()}")

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of `name` whose labels include `labels`."""
        total = 0.0
        for line in self.get("/metrics").splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode
