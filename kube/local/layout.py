"""Where the local cluster keeps its state: everything under `.cluster/`.

The directory and every directory `create()` makes are 0700 (and tightened to
0700 if an older build made them 0755): they hold the state file with every
Secret, the CA's and components' keys, the kubeconfigs and the logs, and the
files in them are 0600 where they are private (state.db, keys, kubeconfigs,
tokens) and 0644 where they are not (certificates).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PRIVATE_DIRECTORY = 0o700


@dataclass(frozen=True)
class ClusterDir:
    root: Path

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def kubeconfigs(self) -> Path:
        """One kubeconfig per component, each with its own client certificate."""
        return self.root / "kubeconfigs"

    @property
    def state_db(self) -> Path:
        return self.root / "state.db"

    def pid_file(self, component: str) -> Path:
        return self.run / f"{component}.pid"

    def component_kubeconfig(self, component: str) -> Path:
        return self.kubeconfigs / f"{component}.kubeconfig"

    def start_record(self, component: str) -> Path:
        """Beside the pid file: which process the pid was (processes.py)."""
        return self.run / f"{component}.start"

    def log_file(self, component: str) -> Path:
        """The component's own log, rotated by size (its --log-file)."""
        return self.logs / f"{component}.log"

    def out_file(self, component: str) -> Path:
        """The component's stdout and stderr: what it prints before logging starts (a crash)."""
        return self.logs / f"{component}.out"

    def create(self) -> None:
        for path in (self.root, self.pki, self.logs, self.run, self.kubeconfigs):
            path.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
            if os.stat(path).st_mode & 0o777 != PRIVATE_DIRECTORY:
                path.chmod(PRIVATE_DIRECTORY)
