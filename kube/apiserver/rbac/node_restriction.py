"""NodeRestriction admission: what a node may write, judged on the object itself.

As Kubernetes' plugin/pkg/admission/noderestriction: a node creates and modifies only its
own Node, and never sets or changes labels under `node-restriction.kubernetes.io/` (those
are for the cluster's operators to set, so workloads can trust them to pick nodes). The
Node authorizer has already kept it off other nodes' names; a create carries no name in its
URL, so it is checked here.
"""

from __future__ import annotations

from kube.api.errors import StatusError
from kube.api.meta import Obj
from kube.apiserver.auth.request_user import current_user
from kube.apiserver.rbac.node_authorizer import node_name

RESTRICTED_PREFIX = "node-restriction.kubernetes.io/"


def _restricted(labels: object) -> dict[str, str]:
    if not isinstance(labels, dict):
        return {}
    return {k: v for k, v in labels.items() if isinstance(k, str) and k.split("/")[0] + "/" == RESTRICTED_PREFIX}


def admit_node(obj: Obj, old: Obj | None) -> None:
    """403 Forbidden when a node writes another Node or its restricted labels."""
    user = current_user()
    node = node_name(user) if user is not None else None
    if node is None:
        return
    name = (obj.get("metadata") or {}).get("name", "")
    if name != node:
        raise StatusError(403, "Forbidden", f'nodes "{name}" is forbidden: node "{node}" is not allowed to modify '
                                           f'node "{name}"', {"kind": "nodes", "name": name})
    new_labels = _restricted((obj.get("metadata") or {}).get("labels"))
    old_labels = _restricted(((old or {}).get("metadata") or {}).get("labels"))
    if new_labels != old_labels:
        changed = sorted(set(new_labels.items()) ^ set(old_labels.items()))
        keys = ", ".join(sorted({k for k, _ in changed}))
        verb = "set the following labels" if old is None else "modify labels"
        raise StatusError(403, "Forbidden", f'nodes "{name}" is forbidden: node "{node}" is not allowed to {verb}: '
                                           f'{keys}', {"kind": "nodes", "name": name})
