"""Remove every container and pod network the node agents of one cluster made (`kube down`).

A cluster is identified by its state directory: agents label what they make with
their --root-dir, which lies under it, so `remove_all_kube_containers(".cluster path")`
removes exactly that cluster's containers; "" removes every kube-made one.
"""

from __future__ import annotations

import os

from kube.node.container_config import L_MANAGED, L_ROOT


def belongs_to(labels: dict[str, str] | None, cluster_id: str) -> bool:
    """Was this object made by an agent whose root dir lies under cluster_id ("": any cluster)?"""
    labels = labels or {}
    if labels.get(L_MANAGED) != "true":
        return False
    if not cluster_id:
        return True
    root = labels.get(L_ROOT, "")
    base = os.path.abspath(cluster_id)
    return root == base or root.startswith(base.rstrip("/") + "/")


def remove_all_kube_containers(cluster_id: str) -> int:
    """Force-remove the cluster's containers and networks; returns how many containers went.
    Without a reachable dockerd there is nothing to remove: 0."""
    try:
        import docker

        client = docker.from_env(timeout=60)
        client.ping()
    except Exception:  # noqa: BLE001 - no docker, nothing of ours can be running
        return 0
    removed = 0
    try:
        for summary in client.api.containers(all=True, filters={"label": f"{L_MANAGED}=true"}):
            if belongs_to(summary.get("Labels"), cluster_id):
                try:
                    client.api.remove_container(summary["Id"], force=True)
                    removed += 1
                except docker.errors.NotFound:
                    pass
        for net in client.networks.list(filters={"label": f"{L_MANAGED}=true"}):
            if belongs_to(net.attrs.get("Labels"), cluster_id):
                try:
                    net.remove()
                except docker.errors.APIError:
                    pass
    finally:
        client.close()
    return removed
