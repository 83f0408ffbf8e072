"""The kind registry: the one table the API server generates routes and discovery from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KindInfo:
    group: str  # "" for core
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
    categories: tuple[str, ...] = ()
    list_kind: str = field(default="")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def list_kind_name(self) -> str:
        return self.list_kind or f"{self.kind}List"

    def key_prefix(self, namespace: str | None = None) -> str:
        """Store key prefix, as Kubernetes lays out etcd: /registry/<group-resource>/<ns>/<name>."""
        resource = self.plural if not self.group or self.group in _LEGACY_KEY_GROUPS else f"{self.group}/{self.plural}"
        base = f"/registry/{_KEY_RESOURCE.get(self.plural, resource)}/"
        if self.namespaced and namespace:
            return f"{base}{namespace}/"
        return base

    def key(self, namespace: str | None, name: str) -> str:
        return f"{self.key_prefix(namespace)}{name}"


_LEGACY_KEY_GROUPS = {"apps", "batch", "policy", "coordination.k8s.io", "discovery.k8s.io",
                      "rbac.authorization.k8s.io", "certificates.k8s.io",
                      "flowcontrol.apiserver.k8s.io"}
_KEY_RESOURCE = {"endpoints": "services/endpoints", "services": "services/specs", "leases": "leases",
                 "replicationcontrollers": "controllers"}


KINDS: tuple[KindInfo, ...] = (
    KindInfo("", "v1", "Namespace", "namespaces", "namespace", False, ("ns",), ("status", "finalize"),
             ("create", "delete", "get", "list", "patch", "update", "watch")),
    KindInfo("", "v1", "Pod", "pods", "pod", True, ("po",), ("status", "binding", "eviction", "log",
                                                                 "exec", "attach", "portforward"),
             categories=("all",)),
    KindInfo("", "v1", "Node", "nodes", "node", False, ("no",), ("status",)),
    KindInfo("", "v1", "Service", "services", "service", True, ("svc",), ("status",),
             ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"), ("all",)),
    KindInfo("", "v1", "Endpoints", "endpoints", "endpoints", True, ("ep",)),
    KindInfo("", "v1", "Event", "events", "event", True, ("ev",)),
    KindInfo("", "v1", "ConfigMap", "configmaps", "configmap", True, ("cm",)),
    KindInfo("", "v1", "Secret", "secrets", "secret", True),
    KindInfo("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True, ("sa",), ("token",)),
    KindInfo("apps", "v1", "ReplicaSet", "replicasets", "replicaset", True, ("rs",), ("status", "scale"),
             categories=("all",)),
    KindInfo("apps", "v1", "Deployment", "deployments", "deployment", True, ("deploy",), ("status", "scale"),
             categories=("all",)),
    KindInfo("apps", "v1", "DaemonSet", "daemonsets", "daemonset", True, ("ds",), ("status",),
             categories=("all",)),
    KindInfo("apps", "v1", "ControllerRevision", "controllerrevisions", "controllerrevision", True),
    KindInfo("", "v1", "ReplicationController", "replicationcontrollers", "replicationcontroller", True,
             ("rc",), ("status", "scale"), categories=("all",)),
    KindInfo("batch", "v1", "Job", "jobs", "job", True, subresources=("status",), categories=("all",)),
    KindInfo("batch", "v1", "CronJob", "cronjobs", "cronjob", True, ("cj",), ("status",), categories=("all",)),
    KindInfo("coordination.k8s.io", "v1", "Lease", "leases", "lease", True),
    KindInfo("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", True),
    KindInfo("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget", True,
             ("pdb",), ("status",)),
    KindInfo("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", "clusterrole", False),
    KindInfo("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding",
             False),
    KindInfo("rbac.authorization.k8s.io", "v1", "Role", "roles", "role", True),
    KindInfo("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", "rolebinding", True),
    KindInfo("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests",
             "certificatesigningrequest", False, ("csr",), ("status", "approval")),
    KindInfo("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema", "flowschemas", "flowschema", False,
             subresources=("status",)),
    KindInfo("flowcontrol.apiserver.k8s.io", "v1", "PriorityLevelConfiguration", "prioritylevelconfigurations",
             "prioritylevelconfiguration", False, subresources=("status",)),
    # reviews: create-only questions answered at once, never stored (kube/apiserver/rbac/reviews.py)
    *(KindInfo("authorization.k8s.io", "v1", kind, kind.lower() + "s", kind.lower(), kind.startswith("Local"),
               verbs=("create",))
      for kind in ("SelfSubjectAccessReview", "SelfSubjectRulesReview", "SubjectAccessReview",
                   "LocalSubjectAccessReview")),
    KindInfo("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview", False,
             verbs=("create",)),
    KindInfo("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", "tokenreview", False, verbs=("create",)),
)

# Eviction is a subresource body (pods/eviction), not a stored kind.
EVICTION = KindInfo("policy", "v1", "Eviction", "evictions", "eviction", True, verbs=("create",))

_BY_GVK = {(k.group, k.version, k.kind): k for k in KINDS}
_BY_RESOURCE = {(k.group, k.version, k.plural): k for k in KINDS}


def all_kinds() -> tuple[KindInfo, ...]:
    return KINDS


def by_gvk(group: str, version: str, kind: str) -> KindInfo | None:
    return _BY_GVK.get((group, version, kind))


def by_api_version(api_version: str, kind: str) -> KindInfo | None:
    group, _, version = api_version.rpartition("/")
    return _BY_GVK.get((group, version, kind))


def by_resource(group: str, version: str, plural: str) -> KindInfo | None:
    return _BY_RESOURCE.get((group, version, plural))


def resolve(name: str) -> KindInfo | None:
    """A kind from what a user types: plural, singular, short name or Kind, any case,
    optionally qualified with its group (`deployments.apps`)."""
    text = name.lower()
    base, _, group = text.partition(".")
    for k in KINDS:
        if group and k.group != group:
            continue
        if base in (k.plural, k.singular, k.kind.lower(), *k.short_names):
            return k
    return None


def groups() -> list[tuple[str, list[str]]]:
    """API groups (not core) with their versions, in registry order."""
    seen: dict[str, list[str]] = {}
    for k in KINDS:
        if k.group:
            versions = seen.setdefault(k.group, [])
            if k.version not in versions:
                versions.append(k.version)
    return list(seen.items())
