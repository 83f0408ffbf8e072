"""A small, fixed authorizer: admin, node agents, read-only users, scheduler, controller manager.

Kubernetes does this with RBAC roles; we hard-code the few roles a cluster of
our own components needs. Anything not granted below is denied (403).
Resources are plural names (`pods`), subresources separate (`status`).
"""

from __future__ import annotations

from kube.apiserver.auth.user import (
    CONTROLLER_MANAGER,
    MASTERS_GROUP,
    NODES_GROUP,
    READ_ONLY_GROUPS,
    SCHEDULER,
    UserInfo,
)

READ_VERBS = frozenset({"get", "list", "watch"})
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
ANONYMOUS_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version"})
AUTHENTICATED_PATH_PREFIXES = ("/metrics", "/api", "/apis", "/openapi", "/healthz", "/livez", "/readyz",
                               "/version")

NODE_LEASE_NAMESPACE = "kube-node-lease"

# (resource, subresource) -> verbs, for node agents (kubelet's share of system:node)
_NODE_WRITES: dict[tuple[str, str], frozenset[str]] = {
    ("nodes", ""): frozenset({"create", "update", "patch", "delete"}),
    ("nodes", "status"): frozenset({"update", "patch"}),
    ("pods", "status"): frozenset({"update", "patch"}),
    ("pods", ""): frozenset({"delete"}),
    ("events", ""): frozenset({"create", "update", "patch"}),
}
_NODE_READ_SUBRESOURCES = frozenset({"", "status", "log"})

# the scheduler binds, preempts (deletes, nominates), reports and leader-elects
_SCHEDULER_WRITES: dict[tuple[str, str], frozenset[str]] = {
    ("pods", "binding"): frozenset({"create"}),
    ("pods", "status"): frozenset({"update", "patch"}),
    ("pods", ""): frozenset({"delete"}),
    ("pods", "eviction"): frozenset({"create"}),
    ("events", ""): WRITE_VERBS,
    ("leases", ""): WRITE_VERBS,
}


def _is(user: UserInfo, identity: str) -> bool:
    return user.name == identity or identity in user.groups


def authorize(user: UserInfo, verb: str, resource: str, subresource: str = "", namespace: str = "",
              group: str = "") -> bool:
    """May `user` do `verb` on resource[/subresource] in namespace (\"\" = cluster scope) of group?"""
    if MASTERS_GROUP in user.groups:
        return True
    if _is(user, CONTROLLER_MANAGER):
        # it reconciles nearly every kind (GC, namespaces, nodes, endpoints...): admin-like, like its RBAC role
        return True
    if verb in READ_VERBS and (_is(user, SCHEDULER) or any(g in user.groups for g in READ_ONLY_GROUPS)):
        return True
    if _is(user, SCHEDULER):
        return verb in _SCHEDULER_WRITES.get((resource, subresource), frozenset())
    if NODES_GROUP in user.groups:
        return _node_allows(verb, resource, subresource, namespace)
    return False


def _node_allows(verb: str, resource: str, subresource: str, namespace: str) -> bool:
    if verb in READ_VERBS:
        return subresource in _NODE_READ_SUBRESOURCES
    if resource == "leases":
        return namespace == NODE_LEASE_NAMESPACE and verb in WRITE_VERBS
    return verb in _NODE_WRITES.get((resource, subresource), frozenset())


def is_anonymous_path(path: str) -> bool:
    """Paths anyone may GET without credentials (probes and /version)."""
    return path in ANONYMOUS_PATHS or path.rstrip("/") in ANONYMOUS_PATHS


def authorize_non_resource(user: UserInfo | None, path: str) -> bool:
    """Non-resource URLs: probes and /version for everyone; /metrics, /api*, /openapi* for any
    authenticated user (discovery must work for every role, as Kubernetes' system:discovery)."""
    if is_anonymous_path(path):
        return True
    if user is None:
        return False
    return any(path == p or path.startswith(p) for p in AUTHENTICATED_PATH_PREFIXES)
