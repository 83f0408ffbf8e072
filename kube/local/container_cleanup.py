"""Removing every Docker container (and network) the local cluster's minions made.

The node agent labels what it creates (`io.kube.managed`, `io.kube.root-dir` =
the minion's directory under `.cluster/nodes/`), so `kube down` finds exactly
this cluster's containers, and not those of another cluster on the same host.
The node package's own `remove_all_kube_containers` is used when it exists.
"""

from __future__ import annotations

import os
from typing import Any

MANAGED_LABEL = "io.kube.managed"
ROOT_LABEL = "io.kube.root-dir"


def belongs_to(labels: dict[str, str] | None, cluster_root: str) -> bool:
    """Was this object made by a minion whose root dir lies under cluster_root?"""
    labels = labels or {}
    if labels.get(MANAGED_LABEL) != "true":
        return False
    root = labels.get(ROOT_LABEL, "")
    base = os.path.abspath(cluster_root)
    return root == base or root.startswith(base + os.sep)


def remove_cluster_containers(cluster_root: str) -> int:
    """Force-remove this cluster's containers, then its networks; how many containers went.

    Returns 0 when Docker is not reachable: nothing of ours can be running then."""
    try:
        from kube.node.containers_cleanup import remove_all_kube_containers
    except ImportError:
        return _remove_by_labels(cluster_root)
    return int(remove_all_kube_containers(cluster_id=os.path.abspath(cluster_root)) or 0)


def _docker_client() -> Any:
    try:
        import docker
        from docker.errors import DockerException
    except ImportError:
        return None
    try:
        client = docker.from_env(timeout=30)
        client.ping()
        return client
    except DockerException:
        return None


def _remove_by_labels(cluster_root: str) -> int:
    client = _docker_client()
    if client is None:
        return 0
    from docker.errors import APIError, NotFound

    removed = 0
    try:
        for container in client.containers.list(all=True, filters={"label": MANAGED_LABEL}):
            if belongs_to(container.labels, cluster_root):
                try:
                    container.remove(force=True)
                    removed += 1
                except NotFound:
                    pass
        for network in client.networks.list(filters={"label": MANAGED_LABEL}):
            if belongs_to(network.attrs.get("Labels"), cluster_root):
                try:
                    network.remove()
                except (NotFound, APIError):  # still in use by a container we do not own
                    pass
    finally:
        client.close()
    return removed
