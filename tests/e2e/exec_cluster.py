"""A `kube up --runtime docker` cluster of two minions for the exec/attach/cp tests, with its pods:
`box` (says box-started, sleeps), `talk` (an interactive sh: stdin + tty, for attach) and `done` (Succeeded); and a
driver for kubectl under a pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from kube.local.container_cleanup import remove_cluster_containers
from tests.conftest import free_port
from tests.local.local_cluster import KUBECTL, LocalCluster, free_port_run, wait_for

IMAGE = "kube.local/busybox:1"
PODS = f"""
apiVersion: v1
kind: Pod
metadata: {{name: box}}
spec:
  containers:
  - {{name: main, image: {IMAGE}, command: [sh, -c, "echo box-started; exec sleep 3600"]}}
---
apiVersion: v1
kind: Pod
metadata: {{name: talk}}
spec:
  containers:
  - {{name: main, image: {IMAGE}, command: [sh], stdin: true, tty: true}}
---
apiVersion: v1
kind: Pod
metadata: {{name: done}}
spec:
  restartPolicy: Never
  containers:
  - {{name: main, image: {IMAGE}, command: ["true"]}}
"""


def _phases(cluster: LocalCluster) -> dict[str, str]:
    return {p["metadata"]["name"]: p.get("status", {}).get("phase", "")
            for p in cluster.get_json("pods")["items"]}


def exec_cluster(base: Path, cidr: str = "10.246.0.0/18") -> Iterator[LocalCluster]:
    """Up, pods applied and settled; down and its containers removed afterwards. Its own names and pod
    range, so it can run beside another cluster on the same Docker host."""
    cluster = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    prefix = f"x{uuid.uuid4().hex[:4]}"
    try:
        cluster.up("--runtime", "docker", "--nodes", "2", "--no-examples", "--name-prefix", prefix,
                   "--cluster-cidr", cidr, kubelet_port=free_port_run(2))
        (base / "pods.yaml").write_text(PODS)
        cluster.kubectl("apply", "-f", str(base / "pods.yaml"))
        wait_for("box and talk Running, done Succeeded",
                 lambda: _phases(cluster) == {"box": "Running", "talk": "Running", "done": "Succeeded"}, 120)
        yield cluster
    finally:
        cluster.down()
        remove_cluster_containers(str(cluster.root))


class PtyKubectl:
    """kubectl on the child side of a pty: the test types, reads the screen and resizes the window."""

    def __init__(self, cluster: LocalCluster, *args: str, rows: int = 40, cols: int = 100) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: kubectl with the pty as its terminal
            os.execv(KUBECTL, [KUBECTL, "--kubeconfig", str(cluster.kubeconfig), "--cache-dir", str(cluster.cache),
                               *args])
        self.resize(rows, cols, notify=False)
        self.screen = b""

    def resize(self, rows: int, cols: int, notify: bool = True) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        if notify:
            os.kill(self.pid, signal.SIGWINCH)

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def expect(self, token: bytes, timeout: float = 60) -> bytes:
        """Read until token is on the screen (since the last expect); the text read."""
        deadline = time.monotonic() + timeout
        while token not in self.screen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.fd, 65536)
                except OSError:
                    break
        seen, self.screen = self.screen, self.screen.split(token, 1)[-1] if token in self.screen else b""
        assert token in seen, f"{token!r} never showed; the screen: {seen[-2000:]!r}"
        return seen

    def retype_until(self, command: str, token: bytes, attempts: int = 20) -> bytes:
        """Type command until its output shows token (a resize lands asynchronously: SIGWINCH ->
        kubectl -> the resize channel -> Docker)."""
        for _ in range(attempts):
            self.type(command + "\r")
            try:
                return self.expect(token, timeout=1.5)
            except AssertionError:
                continue
        return self.expect(token, timeout=1)

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            with_data, _, _ = select.select([self.fd], [], [], 0.2)
            if with_data:
                try:
                    self.screen += os.read(self.fd, 65536)
                except OSError:
                    pass
        self.kill()
        raise AssertionError(f"kubectl did not exit; the screen: {self.screen[-2000:]!r}")

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        try:
            os.close(self.fd)
        except OSError:
            pass
