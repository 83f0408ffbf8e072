"""Driving a `kube up` cluster from tests: the `kube` and real `kubectl` commands
against a cluster directory of the test's own, on a free port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from kube.local import processes
from kube.local.layout import ClusterDir

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")
T = TypeVar("T")


@dataclass
class LocalCluster:
    root: Path
    port: int
    cache: Path

    @property
    def dir(self) -> ClusterDir:
        return ClusterDir(self.root)

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    def kube(self, *args: str, timeout: float = 240, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "kube", *args], capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, "KUBECONFIG": str(self.kubeconfig)})
        if check:
            assert proc.returncode == 0, f"kube {' '.join(args)}: {proc.stdout}\n{proc.stderr}"
        return proc

    def up(self, *extra: str, kubelet_port: int = 0, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """`kube up` with no fixed health or log ports, so it can run beside another cluster."""
        return self.kube("up", "--dir", str(self.root), "--port", str(self.port), "--health-port", "0",
                         "--kubelet-port", str(kubelet_port), *extra, timeout=timeout)

    def down(self) -> subprocess.CompletedProcess[str]:
        return self.kube("down", "--dir", str(self.root), timeout=120)

    def kubectl(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([KUBECTL, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache),
                               *args], capture_output=True, text=True, timeout=timeout)
        if check:
            assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stdout}\n{proc.stderr}"
        return proc

    def get_json(self, *args: str) -> Any:
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def running_components(self) -> list[str]:
        return [p.stem for p in self.dir.run.glob("*.pid") if processes.running(self.dir, p.stem)]

    def logs_tail(self, lines: int = 15) -> str:
        out = []
        for log in sorted([*self.dir.logs.glob("*.log"), *self.dir.logs.glob("*.out")]):
            out.append(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(out)


def free_port_run(count: int) -> int:
    """The first of `count` consecutive loopback ports that are free now (minion i listens on base + i)."""
    for base in range(20000 + os.getpid() % 20000, 60000, count):
        sockets = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.5) -> T:
    """Poll probe until it returns something truthy; fail naming `what` after a generous deadline."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def ready_pods(cluster: LocalCluster, selector: str, namespace: str = "default") -> list[dict[str, Any]]:
    pods = cluster.get_json("pods", "-n", namespace, "-l", selector)["items"]
    return [p for p in pods if not p["metadata"].get("deletionTimestamp") and any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in p.get("status", {}).get("conditions", []))]
