"""Removing every Docker container (and network) the local cluster's minions made.

The node agent labels what it creates (`io.kube.managed`, `io.kube.root-dir` =
the minion's directory under `.cluster/nodes/`), so `kube down` finds exactly
this cluster's containers, and not those of another cluster on the same host.
The rule lives with the agent that writes the labels (kube/node/containers_cleanup.py).
"""

from __future__ import annotations

import os

from kube.node.container_config import L_MANAGED as MANAGED_LABEL
from kube.node.container_config import L_ROOT as ROOT_LABEL
from kube.node.containers_cleanup import belongs_to, remove_all_kube_containers

__all__ = ["MANAGED_LABEL", "ROOT_LABEL", "belongs_to", "remove_cluster_containers"]


def remove_cluster_containers(cluster_root: str) -> int:
    """Force-remove this cluster's containers, then its networks; how many containers went.

    Returns 0 when Docker is not reachable: nothing of ours can be running then."""
    return remove_all_kube_containers(cluster_id=os.path.abspath(cluster_root))
