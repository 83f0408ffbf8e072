"""A process supervisor for chaos tests: `kube up`'s own plan (kube/local/plan.py) started
component by component with kube/local/processes.py, so each one can be SIGKILLed and
started again with exactly the flags `kube up` gives it.

Beyond `kube up`: any number of API servers on one store (`apiserver`, `apiserver-1`, ...,
each on its own port, every other component given all of them with `--api-servers`), and
leader election with short timings, so a controller that replaces a SIGKILLed leader takes
over its Lease within seconds instead of the default 15 s.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from kube.local import processes
from kube.local.credentials import ensure_admin, ensure_component_kubeconfig, server_url
from kube.local.layout import ClusterDir
from kube.local.plan import Component, UpOptions, components
from kube.local.readiness import wait_ready
from tests.conftest import free_port
from tests.local.local_cluster import wait_for

FAST_ELECTION = ("--leader-elect-lease-duration", "3s", "--leader-elect-renew-deadline", "2s",
                 "--leader-elect-retry-period", "500ms")
ELECTED = ("scheduler", "controller-manager")


def with_flag(argv: list[str], flag: str, value: str) -> list[str]:
    """argv with flag's value replaced (the plan's argv has each flag once)."""
    out = list(argv)
    out[out.index(flag) + 1] = value
    return out


@dataclass
class ChaosCluster:
    """One cluster directory; components by name, started, killed and restarted one at a time."""

    root: Path
    store: str = ""  # as `kube up --store`: "" is sqlite in the directory, "etcd:URL,..." etcd
    apiservers: int = 1
    nodes: int = 3
    grace_seconds: float = 40.0  # the node lifecycle controller's --node-monitor-grace-period
    ports: list[int] = field(default_factory=list)
    plan: dict[str, Component] = field(default_factory=dict)
    kills: dict[str, int] = field(default_factory=dict)  # component -> SIGKILLs survived

    def __post_init__(self) -> None:
        self.dir = ClusterDir(self.root)
        self.dir.create()
        self.ports = [free_port() for _ in range(self.apiservers)]
        opts = UpOptions(port=self.ports[0], store=self.store, nodes=self.nodes, runtime="simulated",
                         node_monitor_grace_period=self.grace_seconds, kubelet_port=0, health_port=0,
                         name_prefix="chaos")
        pki = ensure_admin(self.dir, self.ports[0])
        failover = ["--api-servers", ",".join(self.urls)] if self.apiservers > 1 else []
        for comp in components(self.dir, opts, "simulated"):
            if comp.name == "apiserver":
                for i, port in enumerate(self.ports):
                    name = "apiserver" if i == 0 else f"apiserver-{i}"
                    argv = with_flag(comp.argv, "--secure-port", str(port))
                    argv = with_flag(argv, "--log-file", str(self.dir.log_file(name)))
                    self.plan[name] = Component(name, comp.module, argv, comp.env, False)
                continue
            ensure_component_kubeconfig(self.dir, pki, comp.name, self.ports[0])
            extra = [*failover, *(FAST_ELECTION if comp.name in ELECTED else ())]
            self.plan[comp.name] = Component(comp.name, comp.module, [*comp.argv, *extra], comp.env)

    @property
    def urls(self) -> list[str]:
        return [server_url(port) for port in self.ports]

    @property
    def apiserver_names(self) -> list[str]:
        return [name for name in self.plan if name.startswith("apiserver")]

    @property
    def kubeconfig(self) -> Path:
        return self.dir.kubeconfig

    @property
    def ca_file(self) -> str:
        return str(self.dir.pki / "ca.crt")

    def add(self, name: str, like: str, extra: list[str], env: dict[str, str] | None = None) -> None:
        """Another component run as `like` is (its kubeconfig and flags) plus extra flags and env."""
        base = self.plan[like]
        argv = with_flag(base.argv, "--log-file", str(self.dir.log_file(name)))
        self.plan[name] = Component(name, base.module, [*argv, *extra], {**base.env, **(env or {})})

    def start(self, name: str) -> int:
        pid = processes.start(self.dir, name, self.plan[name].argv, self.plan[name].env)
        if name.startswith("apiserver"):
            url = self.urls[self.apiserver_names.index(name)]
            ok = wait_ready(url, self.ca_file, timeout=90, alive=lambda: processes.alive(pid))
            assert ok, f"{name} did not become ready:\n{self.logs_tail(name)}"
        return pid

    def start_all(self) -> None:
        for name in self.plan:
            self.start(name)

    def pid(self, name: str) -> int | None:
        return processes.running(self.dir, name)

    def kill(self, name: str) -> int:
        """SIGKILL the component's process group, as a crash (or the OOM killer) would."""
        pid = self.pid(name)
        assert pid, f"{name} is not running:\n{self.logs_tail(name)}"
        os.killpg(pid, signal.SIGKILL)
        wait_for(f"{name} (pid {pid}) to die", lambda: not processes.alive(pid), 20, 0.05)
        return pid

    def restart(self, name: str, down_for: float = 1.0) -> int:
        """SIGKILL, stay down a moment (clients see refused connections, not a quick blip), start."""
        old = self.kill(name)
        time.sleep(down_for)
        new = self.start(name)
        assert new != old
        self.kills[name] = self.kills.get(name, 0) + 1
        return new

    def assert_running(self) -> None:
        dead = [name for name in self.plan if not self.pid(name)]
        assert not dead, f"exited: {dead}\n" + "\n".join(self.logs_tail(n) for n in dead)

    def stop_all(self) -> None:
        for name in reversed(list(self.plan)):
            processes.stop(self.dir, name, timeout=10)

    def logs_tail(self, name: str, lines: int = 20) -> str:
        out = [f"--- {name}"]
        for path in (self.dir.out_file(name), self.dir.log_file(name)):
            try:
                out += path.read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                pass
        return "\n".join(out)

    def log_text(self, name: str) -> str:
        """Everything the component wrote, rotated files included."""
        paths = sorted(self.dir.logs.glob(f"{name}.log*")) + sorted(self.dir.logs.glob(f"{name}.out*"))
        return "".join(p.read_text(errors="replace") for p in paths)

