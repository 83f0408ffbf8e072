"""Where the local cluster keeps its state: everything under `.cluster/`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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

    def log_file(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def create(self) -> None:
        for path in (self.root, self.pki, self.logs, self.run, self.kubeconfigs):
            path.mkdir(parents=True, exist_ok=True)
