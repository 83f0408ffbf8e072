"""What `kube up` runs: the components of a one-machine cluster and their flags."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field

from kube.local.layout import ClusterDir

ZONES = ("a", "b", "c")


@dataclass(frozen=True)
class Component:
    name: str
    module: str  # the module that implements it; skipped (and said so) when absent
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None


@dataclass(frozen=True)
class UpOptions:
    port: int = 6443
    store: str = ""  # default sqlite:<.cluster>/state.db
    nodes: int = 3
    runtime: str = "docker"  # docker | simulated


def kube_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "kube", *args]


def components(cluster: ClusterDir, opts: UpOptions, runtime: str) -> list[Component]:
    kubeconfig = str(cluster.kubeconfig)
    pki = cluster.pki
    store = opts.store or f"sqlite:{cluster.state_db}"
    store_flags = ["--store", store] if store.startswith("sqlite:") else ["--etcd-servers", store.removeprefix("etcd:")]
    plan = [
        Component("apiserver", "kube.apiserver.command", kube_argv(
            "apiserver", *store_flags, "--bind-address", "127.0.0.1", "--secure-port", str(opts.port),
            "--cert-dir", str(pki), "--tls-cert-file", str(pki / "apiserver.crt"),
            "--tls-private-key-file", str(pki / "apiserver.key"), "--client-ca-file", str(pki / "ca.crt"),
            "--token-auth-file", str(pki / "tokens.csv"))),
        Component("scheduler", "kube.scheduler.command", kube_argv(
            "scheduler", "--kubeconfig", kubeconfig, "--leader-elect")),
        Component("controller-manager", "kube.controllers.command", kube_argv(
            "controller-manager", "--kubeconfig", kubeconfig, "--leader-elect")),
    ]
    if runtime == "simulated":
        plan.append(Component("nodes", "kube.node.command", kube_argv(
            "node", "--simulated", "--kubeconfig", kubeconfig, "--count", str(opts.nodes),
            "--zones", ",".join(ZONES), "--root-dir", str(cluster.root / "nodes"))))
    else:
        for i in range(opts.nodes):
            zone = ZONES[i % len(ZONES)]
            name = f"minion-{zone}" if opts.nodes <= len(ZONES) else f"minion-{zone}-{i}"
            plan.append(Component(name, "kube.node.command", kube_argv(
                "node", "--runtime", "docker", "--kubeconfig", kubeconfig, "--hostname-override", name,
                "--node-labels", f"topology.kubernetes.io/zone={zone}",
                "--root-dir", str(cluster.root / "nodes" / name))))
    return plan
