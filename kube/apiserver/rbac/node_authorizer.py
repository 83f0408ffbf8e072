"""The Node authorizer: a node agent's credentials do only what its own pods need.

As Kubernetes' plugin/pkg/auth/authorizer/node: a request from `system:node:<name>` in
`system:nodes` may read a Secret, ConfigMap, PVC (or ask a ServiceAccount token) only if
a pod bound to that node names it; may touch only its own Lease in kube-node-lease, its
own Node, and the status, deletion and eviction of pods bound to it. Ours: it may also list and
watch the Leases of kube-node-lease (the proxies' programmed revisions, which its termination
gate waits on; nothing there is secret). Everything else a node
does comes from the bootstrap `system:node` rules. A refusal is NO_OPINION (the next
authorizer, RBAC, may still allow it), with Kubernetes' reason for the 403 message.
NodeRestriction (node_restriction.py) checks what the authorizer cannot see: labels.
"""

from __future__ import annotations

from kube.api.registry import by_gvk
from kube.apiserver.auth.authorizer import Decision, RuleListing
from kube.apiserver.auth.user import NODES_GROUP, UserInfo
from kube.apiserver.rbac.node_graph import NodeGraph
from kube.apiserver.rbac.policy import bootstrap_cluster_role
from kube.apiserver.rbac.rules import Request, Rule, compile_rules
from kube.apiserver.watch.cache import WatchCache

NODE_PREFIX = "system:node:"
LEASE_NAMESPACE = "kube-node-lease"
# resources only the graph grants: (resource, subresource) -> verbs
GRAPH_RESOURCES = {("secrets", ""), ("configmaps", ""), ("persistentvolumeclaims", ""),
                   ("serviceaccounts", ""), ("serviceaccounts", "token")}
OWN_POD_SUBRESOURCES = {"status", "eviction", ""}


def node_name(user: UserInfo) -> str | None:
    """The node a user is, as Kubernetes' NodeIdentifier: system:node:<name> in system:nodes."""
    if NODES_GROUP in user.groups and user.name.startswith(NODE_PREFIX):
        return user.name[len(NODE_PREFIX):]
    return None


def _no_path(node: str) -> str:
    return f"no relationship found between node '{node}' and this object"


class NodeAuthorizer(RuleListing):
    def __init__(self, cache: WatchCache) -> None:
        pods = by_gvk("", "v1", "Pod")
        assert pods is not None
        self.graph = NodeGraph(cache.caches[pods])
        self.rules = compile_rules(bootstrap_cluster_role("system:node")["rules"])

    def authorize(self, user: UserInfo, req: Request) -> tuple[Decision, str]:
        node = node_name(user)
        if node is None:
            return Decision.NO_OPINION, ""
        if not node:
            return Decision.NO_OPINION, "unknown node"
        if req.is_resource and req.group == "" and (req.resource, req.subresource) in GRAPH_RESOURCES:
            return self._graph(node, req)
        if req.is_resource and req.group == "coordination.k8s.io" and req.resource == "leases":
            return self._lease(node, req)
        if req.is_resource and req.group == "" and req.resource == "nodes" and req.verb in (
                "update", "patch", "delete") and req.name and req.name != node:
            return Decision.NO_OPINION, f"node '{node}' cannot modify node '{req.name}'"
        if req.is_resource and req.group == "" and req.resource == "pods" and req.name and (
                req.verb in ("update", "patch", "delete", "create")) and req.subresource in OWN_POD_SUBRESOURCES:
            if self.graph.node_of(req.namespace, req.name) != node:
                return Decision.NO_OPINION, _no_path(node)
        if any(r.allows(req) for r in self.rules):
            return Decision.ALLOW, ""
        return Decision.NO_OPINION, ""

    def _graph(self, node: str, req: Request) -> tuple[Decision, str]:
        wanted = "create" if req.subresource == "token" else "get"
        if req.verb != wanted:
            return Decision.NO_OPINION, f"can only {wanted} individual resources of this type"
        if not req.name:
            return Decision.NO_OPINION, "No Object name found"
        if self.graph.has_ref(node, (req.resource, req.namespace, req.name)):
            return Decision.ALLOW, ""
        return Decision.NO_OPINION, _no_path(node)

    def _lease(self, node: str, req: Request) -> tuple[Decision, str]:
        if req.verb in ("list", "watch"):
            if req.namespace == LEASE_NAMESPACE:
                return Decision.ALLOW, ""
            return Decision.NO_OPINION, f"can only list or watch leases in the {LEASE_NAMESPACE} system namespace"
        if req.verb not in ("get", "create", "update", "patch", "delete"):
            return Decision.NO_OPINION, "can only get, create, update, patch, or delete a node lease"
        if req.namespace != LEASE_NAMESPACE:
            return Decision.NO_OPINION, f"can only access leases in the {LEASE_NAMESPACE} system namespace"
        if req.verb != "create" and req.name != node:
            return Decision.NO_OPINION, "can only access node lease with the same name as the requesting node"
        return Decision.ALLOW, ""

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[Rule], bool]:
        if node_name(user) is None:
            return [], False
        return list(self.rules), True  # the graph's grants are not rules: the list is incomplete
