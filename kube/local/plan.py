"""What `kube up` runs: the components of a one-machine cluster and their flags.

Every component logs to `.cluster/logs/<name>.log`, rotated by size by the
component itself (the daemons' shared --log-file flags, kube/component/logs.py),
so a cluster left running cannot fill the disk: at most LOG_FILES_KEPT + 1
files of LOG_MAX_MB each. Its stdout and stderr go to `<name>.out` (processes.py).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from kube.local.layout import ClusterDir

ZONES = ("a", "b", "c")
CONTROL_PLANE = ("apiserver", "scheduler", "controller-manager")
SIMULATED_FLEET = "nodes"  # the one process running every simulated minion
# one per machine beside docker minions, which share the host's network namespace: two proxies
# would fight over one set of iptables chains and NodePorts
PROXY, DNS = "proxy", "dns"
MACHINE_DAEMONS = (PROXY, DNS)
DNS_PORT = 10053  # kube dns's unprivileged port; the kube-dns Service's targetPort maps 53 to it
DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"
ENCRYPTION_CONFIG = "encryption-config.yaml"  # under .cluster/pki: Secrets' key at rest (credentials.ensure_admin)
SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"  # the API server's default, stated
LOG_MAX_MB = 10  # a component's log rotates past this size ...
LOG_FILES_KEPT = 3  # ... keeping this many old files beside it


def is_docker_minion(component: str) -> bool:
    """Every component that is neither the control plane, the simulated fleet nor a machine daemon
    is one docker minion."""
    return component not in CONTROL_PLANE and component != SIMULATED_FLEET and component not in MACHINE_DAEMONS


@dataclass(frozen=True)
class Component:
    name: str
    module: str  # the module that implements it
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    needs_kubeconfig: bool = True  # its own client certificate and kubeconfig (not the API server)


@dataclass(frozen=True)
class UpOptions:
    port: int = 6443
    store: str = ""  # default sqlite:<.cluster>/state.db
    nodes: int = 3
    runtime: str = "docker"  # docker | simulated
    # short values make node loss visible within a test's patience; defaults are Kubernetes'
    node_monitor_grace_period: float = 40.0
    pod_eviction_seconds: int = 300
    kubelet_port: int = 10250  # minion i serves its logs on kubelet_port + i; 0: no log servers
    health_port: int = 10257  # controller-manager /healthz+/metrics here, scheduler's at +2 (10259); 0: off
    # a second cluster on the same Docker host needs other node names (networks are named after
    # nodes) and another pod range (the networks' subnets may not overlap)
    name_prefix: str = "minion"
    cluster_cidr: str = ""  # "" leaves the controller-manager's default, 10.244.0.0/16


def kube_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "kube", *args]


def minion_names(count: int, prefix: str = "minion") -> list[tuple[str, str]]:
    """(name, zone) of each docker minion: minion-a, minion-b, minion-c, then minion-a-3, ..."""
    out = []
    for i in range(count):
        zone = ZONES[i % len(ZONES)]
        out.append((f"{prefix}-{zone}" if count <= len(ZONES) else f"{prefix}-{zone}-{i}", zone))
    return out


def log_flags(cluster: ClusterDir, component: str) -> list[str]:
    return ["--log-file", str(cluster.log_file(component)), "--log-file-max-size", str(LOG_MAX_MB),
            "--log-files-kept", str(LOG_FILES_KEPT)]


def store_flags(cluster: ClusterDir, store: str) -> list[str]:
    store = f"sqlite:{cluster.state_db}" if store in ("", "sqlite") else store
    if store.startswith("sqlite:"):
        return ["--store", store]
    return ["--etcd-servers", store.removeprefix("etcd:")]


def components(cluster: ClusterDir, opts: UpOptions, runtime: str) -> list[Component]:
    pki = cluster.pki

    def kubeconfig(name: str) -> str:
        return str(cluster.component_kubeconfig(name))

    plan = [
        Component("apiserver", "kube.apiserver.command", kube_argv(
            "apiserver", *store_flags(cluster, opts.store), "--bind-address", "127.0.0.1",
            "--secure-port", str(opts.port),
            "--cert-dir", str(pki), "--tls-cert-file", str(pki / "apiserver.crt"),
            "--tls-private-key-file", str(pki / "apiserver.key"), "--client-ca-file", str(pki / "ca.crt"),
            "--token-auth-file", str(pki / "tokens.csv"), "--authorization-mode", "Node,RBAC",
            "--encryption-provider-config", str(pki / ENCRYPTION_CONFIG),
            "--service-account-signing-key-file", str(pki / "sa.key"), "--service-account-key-file",
            str(pki / "sa.pub"), "--service-account-issuer", SERVICE_ACCOUNT_ISSUER), needs_kubeconfig=False),
        Component("scheduler", "kube.scheduler.command", kube_argv(
            "scheduler", "--kubeconfig", kubeconfig("scheduler"), "--leader-elect",
            "--port", str(opts.health_port + 2 if opts.health_port else 0))),
        Component("controller-manager", "kube.controllers.command", kube_argv(
            "controller-manager", "--kubeconfig", kubeconfig("controller-manager"), "--leader-elect",
            "--node-monitor-grace-period", f"{opts.node_monitor_grace_period:g}",
            "--default-not-ready-toleration-seconds", str(opts.pod_eviction_seconds),
            "--port", str(opts.health_port),
            # csrsigning: node certificates by CSR, signed by the cluster CA this machine holds
            "--cluster-signing-cert-file", str(pki / "ca.crt"), "--cluster-signing-key-file", str(pki / "ca.key"),
            *(["--cluster-cidr", opts.cluster_cidr] if opts.cluster_cidr else []))),
    ]
    if runtime == "simulated":
        plan.append(Component(SIMULATED_FLEET, "kube.node.command", kube_argv(
            "node", "--simulated", "--kubeconfig", kubeconfig("nodes"), "--count", str(opts.nodes),
            "--zones", ",".join(ZONES), "--name-prefix", opts.name_prefix)))
    else:
        for i, (name, zone) in enumerate(minion_names(opts.nodes, opts.name_prefix)):
            plan.append(Component(name, "kube.node.command", kube_argv(
                "node", "--runtime", "docker", "--kubeconfig", kubeconfig(name), "--hostname-override", name,
                "--zone", zone, "--root-dir", str(cluster.root / "nodes" / name),
                "--cluster-cidr", opts.cluster_cidr or DEFAULT_CLUSTER_CIDR,
                *log_server_flags(cluster, name, opts.kubelet_port + i if opts.kubelet_port else 0))))
        plan.extend(machine_daemons(cluster, opts))
    return [Component(c.name, c.module, [*c.argv, *log_flags(cluster, c.name)], c.env, c.needs_kubeconfig)
            for c in plan]


def machine_daemons(cluster: ClusterDir, opts: UpOptions) -> list[Component]:
    """The machine's one `kube proxy` (iptables) and one `kube dns`. With --health-port 0 (a
    cluster beside another) their health ports are off and kube dns takes any free port, which
    it publishes in its EndpointSlice."""
    health = opts.health_port
    return [
        Component(PROXY, "kube.proxy.command", kube_argv(
            "proxy", "--kubeconfig", str(cluster.component_kubeconfig(PROXY)),
            "--cluster-cidr", opts.cluster_cidr or DEFAULT_CLUSTER_CIDR, "--port", str(health - 1 if health else 0),
            # every minion shares this network namespace: their pods are all local to Local traffic policies
            "--local-nodes", ",".join(name for name, _ in minion_names(opts.nodes, opts.name_prefix)))),
        Component(DNS, "kube.dns.command", kube_argv(
            "dns", "--kubeconfig", str(cluster.component_kubeconfig(DNS)),
            "--dns-port", str(DNS_PORT if health else 0), "--port", "9153" if health else "0")),
    ]


def log_server_flags(cluster: ClusterDir, node_name: str, port: int) -> list[str]:
    """A minion's HTTPS log server (for `kubectl logs`): its serving cert, clients checked against the CA."""
    if not port:
        return []
    pki = cluster.pki
    return ["--port", str(port), "--tls-cert-file", str(pki / f"{node_name}-serving.crt"),
            "--tls-private-key-file", str(pki / f"{node_name}-serving.key"),
            "--client-ca-file", str(pki / "ca.crt")]
