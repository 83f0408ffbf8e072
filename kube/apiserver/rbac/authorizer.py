"""The RBAC authorizer: Roles and bindings from the watch cache, indexed by subject.

Kubernetes' RBAC authorizer walks every binding per request; with 1,000 bindings that is
too slow for Python, so the bindings are turned into an index (subject -> cluster-wide
rules, subject -> namespace -> rules) rebuilt whenever one of the four RBAC kinds changes,
and decisions are memoised per (user, groups, request) until then. A change is seen without
a hook into the cache: each kind's cache stamps itself with the revision of its last event
(and a relist replaces its object dict), so comparing four stamps per request is enough.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.apiserver.auth.authorizer import Decision, RuleListing
from kube.apiserver.auth.user import UserInfo
from kube.apiserver.rbac.rules import Request, Rule, compile_rules
from kube.apiserver.watch.cache import WatchCache

GROUP = "rbac.authorization.k8s.io"
SA_PREFIX = "system:serviceaccount:"
DECISION_CACHE_SIZE = 65536


def subject_keys(subject: Obj, binding_namespace: str) -> str | None:
    """The user or group name a binding subject stands for ("u:..." / "g:..."), None if malformed."""
    kind, name = subject.get("kind"), subject.get("name")
    if not isinstance(name, str) or not name:
        return None
    if kind == "User":
        return f"u:{name}"
    if kind == "Group":
        return f"g:{name}"
    if kind == "ServiceAccount":
        return f"u:{SA_PREFIX}{subject.get('namespace') or binding_namespace}:{name}"
    return None


class Index:
    """Who holds which rules, built from the four kinds' objects."""

    def __init__(self, roles: list[Obj], cluster_roles: list[Obj], bindings: list[Obj],
                 cluster_bindings: list[Obj]) -> None:
        cr = {o["metadata"]["name"]: compile_rules(o.get("rules")) for o in cluster_roles}
        r = {(o["metadata"].get("namespace", ""), o["metadata"]["name"]): compile_rules(o.get("rules"))
             for o in roles}
        self.cluster: dict[str, list[Rule]] = defaultdict(list)
        self.namespaced: dict[str, dict[str, list[Rule]]] = defaultdict(lambda: defaultdict(list))
        for b in cluster_bindings:
            ref = b.get("roleRef") or {}
            rules = cr.get(ref.get("name", "")) if ref.get("kind") == "ClusterRole" else None
            for key in self._keys(b, ""):
                if rules:
                    self.cluster[key].extend(rules)
        for b in bindings:
            ns = b["metadata"].get("namespace", "")
            ref = b.get("roleRef") or {}
            if ref.get("kind") == "ClusterRole":
                rules = cr.get(ref.get("name", ""))
            elif ref.get("kind") == "Role":
                rules = r.get((ns, ref.get("name", "")))
            else:
                rules = None
            for key in self._keys(b, ns):
                if rules:
                    self.namespaced[key][ns].extend(rules)

    @staticmethod
    def _keys(binding: Obj, namespace: str) -> list[str]:
        keys = []
        for s in binding.get("subjects") or ():
            if isinstance(s, dict):
                key = subject_keys(s, namespace)
                if key is not None:
                    keys.append(key)
        return keys

    def rules(self, user: UserInfo, namespace: str) -> list[Rule]:
        out: list[Rule] = []
        for key in (f"u:{user.name}", *(f"g:{g}" for g in user.groups)):
            out.extend(self.cluster.get(key, ()))
            if namespace:
                per_ns = self.namespaced.get(key)
                if per_ns:
                    out.extend(per_ns.get(namespace, ()))
        return out


class RBACAuthorizer(RuleListing):
    def __init__(self, cache: WatchCache) -> None:
        kinds = [by_gvk(GROUP, "v1", k) for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")]
        self._caches = [cache.caches[k] for k in kinds if k is not None]
        assert len(self._caches) == 4, "the RBAC kinds are not registered"
        self._stamp: Any = None
        self._index: Index | None = None
        self._decisions: dict[tuple[Any, ...], bool] = {}

    def index(self) -> Index:
        """The index, rebuilt if any RBAC object changed since it was built."""
        caches = self._caches
        stamp = (caches[0].stamp(), caches[1].stamp(), caches[2].stamp(), caches[3].stamp())
        if stamp != self._stamp or self._index is None:
            self._index = Index(*(list(c.objects.values()) for c in caches))
            self._stamp = stamp
            self._decisions = {}
        return self._index

    def authorize(self, user: UserInfo, req: Request) -> tuple[Decision, str]:
        index = self.index()
        key = (user.name, user.groups, req)
        allowed = self._decisions.get(key)
        if allowed is None:
            allowed = any(r.allows(req) for r in index.rules(user, req.namespace))
            if len(self._decisions) >= DECISION_CACHE_SIZE:
                self._decisions = {}
            self._decisions[key] = allowed
        return (Decision.ALLOW if allowed else Decision.NO_OPINION), ""

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[Rule], bool]:
        return self.index().rules(user, namespace), False
