"""`kube up` authorizes as kubeadm does: --authorization-mode=Node,RBAC, every component with its own identity."""

from __future__ import annotations

from pathlib import Path

from kube.local.credentials import component_identity
from kube.local.layout import ClusterDir
from kube.local.plan import UpOptions, components


def test_the_api_server_runs_node_and_rbac(tmp_path: Path) -> None:
    plan = components(ClusterDir(tmp_path), UpOptions(port=7443, nodes=2), "docker")
    argv = next(c.argv for c in plan if c.name == "apiserver")
    assert argv[argv.index("--authorization-mode") + 1] == "Node,RBAC"
    users = {c.name: component_identity(c.name).user for c in plan if c.needs_kubeconfig}
    assert users["scheduler"] == "system:kube-scheduler"
    assert users["controller-manager"] == "system:kube-controller-manager"
    minions = [name for name in users if name not in ("scheduler", "controller-manager", "proxy", "dns")]
    assert minions and all(users[m] == f"system:node:{m}" and component_identity(m).groups == ("system:nodes",)
                           for m in minions)
    if "proxy" in users:
        assert users["proxy"] == "system:kube-proxy" and users["dns"] == "system:kube-dns"
