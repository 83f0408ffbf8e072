"""NodeRestriction admission: what a node may write, judged on the object itself.

As Kubernetes' plugin/pkg/admission/noderestriction: a node creates and modifies only its
own Node, and never sets or changes labels under `node-restriction.kubernetes.io/` (those
are for the cluster's operators to set, so workloads can trust them to pick nodes); it
writes only its own Lease `kube-node-lease/<node>`; the only pods it creates are mirror
pods of its static pods, bound to itself, owned by its Node and naming no Secret,
ConfigMap, PVC or ServiceAccount (else a node could bind itself a pod naming any Secret and
the Node authorizer's graph would then hand that Secret over). The Node authorizer has
already kept it off other objects' names; a create carries no name in its URL, so it is
checked here.
"""

from __future__ import annotations

from typing import Any

from kube.api.errors import StatusError
from kube.api.meta import Obj
from kube.apiserver.auth.request_user import current_user
from kube.apiserver.rbac.node_authorizer import LEASE_NAMESPACE, node_name
from kube.apiserver.rbac.node_graph import pod_refs

RESTRICTED_PREFIX = "node-restriction.kubernetes.io/"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
_REFERENCED = (("secrets", "secrets"), ("configmaps", "configmaps"),
               ("persistentvolumeclaims", "persistentvolumeclaims"))


def _requesting_node() -> str | None:
    user = current_user()
    return node_name(user) if user is not None else None


def _forbidden(resource: str, name: str, reason: str) -> StatusError:
    return StatusError(403, "Forbidden", f'{resource} "{name}" is forbidden: {reason}', {"kind": resource, "name": name})


def _restricted(labels: object) -> dict[str, str]:
    if not isinstance(labels, dict):
        return {}
    return {k: v for k, v in labels.items() if isinstance(k, str) and k.split("/")[0] + "/" == RESTRICTED_PREFIX}


def admit_node(obj: Obj, old: Obj | None) -> None:
    """403 Forbidden when a node writes another Node or its restricted labels."""
    node = _requesting_node()
    if node is None:
        return
    name = (obj.get("metadata") or {}).get("name", "")
    if name != node:
        raise _forbidden("nodes", name, f'node "{node}" is not allowed to modify node "{name}"')
    new_labels = _restricted((obj.get("metadata") or {}).get("labels"))
    old_labels = _restricted(((old or {}).get("metadata") or {}).get("labels"))
    if new_labels != old_labels:
        changed = sorted(set(new_labels.items()) ^ set(old_labels.items()))
        keys = ", ".join(sorted({k for k, _ in changed}))
        verb = "set the following labels" if old is None else "modify labels"
        raise _forbidden("nodes", name, f'node "{node}" is not allowed to {verb}: {keys}')


def admit_lease(obj: Obj) -> None:
    """403 Forbidden when a node writes a Lease other than kube-node-lease/<its name>."""
    node = _requesting_node()
    if node is None:
        return
    meta = obj.get("metadata") or {}
    name = str(meta.get("name", ""))
    if meta.get("namespace") != LEASE_NAMESPACE:
        raise _forbidden("leases", name, f'can only access leases in the "{LEASE_NAMESPACE}" system namespace')
    if name != node:
        raise _forbidden("leases", name, "can only access node lease with the same name as the requesting node")


def _pod_problem(pod: Obj, node: str) -> str | None:
    meta: dict[str, Any] = pod.get("metadata") or {}
    spec: dict[str, Any] = pod.get("spec") or {}
    if MIRROR_ANNOTATION not in (meta.get("annotations") or {}):
        return f'pod does not have "{MIRROR_ANNOTATION}" annotation, node "{node}" can only create mirror pods'
    if spec.get("nodeName") != node:
        return f'node "{node}" can only create pods with spec.nodeName set to itself'
    owners = [o for o in meta.get("ownerReferences") or () if isinstance(o, dict)]
    if len(owners) > 1:
        return f'node "{node}" can only create pods with a single owner reference set to itself'
    if not owners or (owners[0].get("apiVersion"), owners[0].get("kind"), owners[0].get("name")) != ("v1", "Node", node):
        return f'node "{node}" can only create pods with an owner reference set to itself'
    if owners[0].get("controller") is not True:
        return f'node "{node}" can only create pods with a controller owner reference set to itself'
    if owners[0].get("blockOwnerDeletion") is True:
        return f'node "{node}" must not set blockOwnerDeletion on an owner reference'
    if spec.get("serviceAccountName") or spec.get("serviceAccount"):
        return f'node "{node}" can not create pods that reference a service account'
    refs = {resource for resource, _, _ in pod_refs(pod)}
    for resource, word in _REFERENCED:
        if resource in refs:
            return f'node "{node}" can not create pods that reference {word}'
    return None


def admit_pod_create(pod: Obj) -> None:
    """403 Forbidden when a node creates anything but a mirror pod of its own."""
    node = _requesting_node()
    if node is None:
        return
    problem = _pod_problem(pod, node)
    if problem is not None:
        raise _forbidden("pods", str((pod.get("metadata") or {}).get("name", "")), problem)
