"""Authorization: a chain of authorizers chosen by `--authorization-mode`, as Kubernetes' union.

Each authorizer answers ALLOW, DENY or NO_OPINION for (user, request); the first that is
not NO_OPINION decides, and a request nobody allows is refused with Kubernetes' message.
Members of system:masters are always allowed (Kubernetes' privileged-groups authorizer,
ahead of the chain). Modes:

- `RBAC`: Roles and bindings from the API (kube/apiserver/rbac/authorizer.py)
- `Node`: what a node agent may do for the pods bound to it (kube/apiserver/rbac/node_authorizer.py)
- `Builtin`: the small fixed policy this server had before RBAC (admin, nodes, read-only,
  scheduler, controller manager), kept for clusters that were set up with it
- `AlwaysAllow`, `AlwaysDeny`: as Kubernetes, for tests
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Protocol

from kube.api.bootstrap_token import GROUP as BOOTSTRAPPERS_GROUP
from kube.api.certificates import GROUP as CERTIFICATES_GROUP
from kube.api.errors import StatusError, _details, _resource_ref
from kube.apiserver.auth.user import (
    CONTROLLER_MANAGER,
    MASTERS_GROUP,
    NODES_GROUP,
    READ_ONLY_GROUPS,
    SCHEDULER,
    UserInfo,
)
from kube.apiserver.rbac.rules import Request, Rule

READ_VERBS = frozenset({"get", "list", "watch"})
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
ANONYMOUS_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version"})
AUTHENTICATED_PATH_PREFIXES = ("/metrics", "/api", "/apis", "/openapi", "/healthz", "/livez", "/readyz",
                               "/version")
NODE_LEASE_NAMESPACE = "kube-node-lease"


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    NO_OPINION = "no-opinion"


class Authorizer(Protocol):
    def authorize(self, user: UserInfo, req: Request) -> tuple[Decision, str]:
        """The decision and, when refusing, why (appended to the 403 message)."""
        ...


class Chain:
    """The authorizers of --authorization-mode in order; what SubjectAccessReviews ask too."""

    def __init__(self, authorizers: Sequence[Authorizer]) -> None:
        self.authorizers = list(authorizers)

    def decide(self, user: UserInfo, req: Request) -> tuple[bool, str]:
        if MASTERS_GROUP in user.groups:
            return True, ""
        reasons: list[str] = []
        for authorizer in self.authorizers:
            decision, reason = authorizer.authorize(user, req)
            if decision is Decision.ALLOW:
                return True, reason
            if reason:
                reasons.append(reason)
            if decision is Decision.DENY:
                break
        return False, ", ".join(reasons)

    def allows(self, user: UserInfo, req: Request) -> bool:
        return self.decide(user, req)[0]

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[Rule], bool]:
        rules: list[Rule] = []
        incomplete = False
        for authorizer in self.authorizers:
            if isinstance(authorizer, RuleListing):
                found, partial = authorizer.rules_for(user, namespace)
                rules.extend(found)
                incomplete = incomplete or partial
            else:
                incomplete = True
        return rules, incomplete


class RuleListing:
    """Marker base: an authorizer that can list its rules (RBAC, Node)."""

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[Rule], bool]:
        raise NotImplementedError


class Always:
    def __init__(self, allow: bool) -> None:
        self.decision = Decision.ALLOW if allow else Decision.DENY

    def authorize(self, user: UserInfo, req: Request) -> tuple[Decision, str]:
        return self.decision, ""


def forbidden(user: UserInfo, req: Request, reason: str = "") -> StatusError:
    """403 with Kubernetes' wording (authorization.go forbiddenMessage + errors.NewForbidden)."""
    tail = f": {reason}" if reason else ""
    if not req.is_resource:
        return StatusError(403, "Forbidden", f'forbidden: User "{user.name}" cannot {req.verb} path "{req.path}"{tail}')
    resource = f"{req.resource}/{req.subresource}" if req.subresource else req.resource
    where = f' in the namespace "{req.namespace}"' if req.namespace else " at the cluster scope"
    qualified = _resource_ref(req.resource, req.group) if req.group else req.resource
    subject = f'{qualified} "{req.name}"' if req.name else qualified
    return StatusError(403, "Forbidden",
                       f'{subject} is forbidden: User "{user.name}" cannot {req.verb} resource "{resource}" '
                       f'in API group "{req.group}"{where}{tail}', _details(req.resource, req.name, req.group))


# --- Builtin: the fixed policy from before RBAC ---------------------------------------------------

# (resource, subresource) -> verbs, for node agents (kubelet's share of system:node)
_NODE_WRITES: dict[tuple[str, str], frozenset[str]] = {
    ("nodes", ""): frozenset({"create", "update", "patch", "delete"}),
    ("nodes", "status"): frozenset({"update", "patch"}),
    ("pods", "status"): frozenset({"update", "patch"}),
    ("pods", ""): frozenset({"delete"}),
    ("events", ""): frozenset({"create", "update", "patch"}),
    ("serviceaccounts", "token"): frozenset({"create"}),  # its pods' tokens (TokenRequest's NodeRestriction)
    ("certificatesigningrequests", ""): frozenset({"create"}),  # its certificates by CSR
    ("certificatesigningrequests", "selfnodeclient"): frozenset({"create"}),  # its renewals auto-approved
}
# bootstrap tokens (system:bootstrappers): ask for a node client certificate, have it auto-approved
_BOOTSTRAPPER_ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("certificatesigningrequests", ""): frozenset({"create", "get", "list", "watch"}),
    ("certificatesigningrequests", "nodeclient"): frozenset({"create"}),
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


# kube proxy and kube dns: they read Services, EndpointSlices and Nodes, and report events
_READERS = frozenset({"system:kube-proxy", "system:kube-dns"})
_DNS_PUBLISHER_WRITES = {"services": frozenset({"create"}), "endpointslices": frozenset({"create", "update", "delete"}),
                         "events": frozenset({"create", "update", "patch"})}  # kube/dns/publisher.py, in kube-system


_SELF_REVIEWS = frozenset({("authorization.k8s.io", "selfsubjectaccessreviews"),
                           ("authorization.k8s.io", "selfsubjectrulesreviews"),
                           ("authentication.k8s.io", "selfsubjectreviews")})


def _is(user: UserInfo, identity: str) -> bool:
    return user.name == identity or identity in user.groups


class Builtin:
    """Admin, controller manager (admin-like), scheduler, nodes, bootstrap tokens, read-only groups; nothing else."""

    def authorize(self, user: UserInfo, req: Request) -> tuple[Decision, str]:
        if not req.is_resource:
            return (Decision.ALLOW if authorize_non_resource(user, req.path) else Decision.NO_OPINION), ""
        if req.verb == "create" and (req.group, req.resource) in _SELF_REVIEWS:
            return Decision.ALLOW, ""  # what system:basic-user grants: asking about oneself
        ok = authorize(user, req.verb, req.resource, req.subresource, req.namespace, req.group)
        return (Decision.ALLOW if ok else Decision.NO_OPINION), ""


def authorize(user: UserInfo, verb: str, resource: str, subresource: str = "", namespace: str = "",
              group: str = "") -> bool:
    """The Builtin policy: may `user` do `verb` on resource[/subresource] in namespace of group?"""
    if MASTERS_GROUP in user.groups or _is(user, CONTROLLER_MANAGER):
        return True
    if verb in READ_VERBS and (_is(user, SCHEDULER) or user.name in _READERS
                               or any(g in user.groups for g in READ_ONLY_GROUPS)):
        return True
    if user.name in _READERS:
        if user.name == "system:kube-dns" and namespace == "kube-system":  # the kube-dns Service, its own slice
            return verb in _DNS_PUBLISHER_WRITES.get(resource, frozenset())
        if user.name == "system:kube-proxy" and resource == "leases" and namespace == NODE_LEASE_NAMESPACE:
            return verb in ("create", "update")  # its programmed Lease (kube/proxy/programmed_lease.py)
        return resource == "events" and verb in ("create", "update", "patch")
    if _is(user, SCHEDULER):
        return verb in _SCHEDULER_WRITES.get((resource, subresource), frozenset())
    if BOOTSTRAPPERS_GROUP in user.groups:
        return group == CERTIFICATES_GROUP and verb in _BOOTSTRAPPER_ACCESS.get((resource, subresource), frozenset())
    if NODES_GROUP in user.groups:
        if verb in READ_VERBS:
            return subresource in _NODE_READ_SUBRESOURCES
        if resource == "leases":
            return namespace == NODE_LEASE_NAMESPACE and verb in WRITE_VERBS
        return verb in _NODE_WRITES.get((resource, subresource), frozenset())
    return False


def is_anonymous_path(path: str) -> bool:
    """Paths anyone may GET without credentials (probes and /version)."""
    return path in ANONYMOUS_PATHS or path.rstrip("/") in ANONYMOUS_PATHS


def authorize_non_resource(user: UserInfo | None, path: str) -> bool:
    """Builtin, non-resource URLs: probes and /version for everyone; /metrics, /api*, /openapi* for any
    authenticated user (discovery must work for every role, as Kubernetes' system:discovery)."""
    if is_anonymous_path(path):
        return True
    if user is None:
        return False
    return any(path == p or path.startswith(p) for p in AUTHENTICATED_PATH_PREFIXES)
