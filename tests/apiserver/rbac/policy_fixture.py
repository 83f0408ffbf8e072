"""An RBAC authorizer over a watch cache filled in memory (no store): N Roles and RoleBindings
plus Kubernetes' bootstrap policy. Shared by the cache-invalidation tests and the benchmark."""

from __future__ import annotations

import itertools

import orjson

from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.apiserver.rbac.authorizer import RBACAuthorizer
from kube.apiserver.rbac.policy import bootstrap_objects
from kube.apiserver.watch.cache import WatchCache
from kube.store.protocol import KeyValue, WatchEvent

GROUP = "rbac.authorization.k8s.io"
_revision = itertools.count(1)


def put(cache: WatchCache, obj: Obj) -> None:
    """Feed the object to its kind's cache as the store's watch would."""
    kind = by_gvk(GROUP, "v1", obj["kind"])
    assert kind is not None
    key = kind.key(obj["metadata"].get("namespace") if kind.namespaced else None, obj["metadata"]["name"])
    rev = next(_revision)
    cache.caches[kind].apply(WatchEvent("PUT", KeyValue(key, orjson.dumps(obj), rev, rev)))


def role(ns: str, name: str, resources: list[str], verbs: list[str]) -> Obj:
    return {"apiVersion": f"{GROUP}/v1", "kind": "Role", "metadata": {"name": name, "namespace": ns},
            "rules": [{"apiGroups": [""], "resources": resources, "verbs": verbs}]}


def binding(ns: str, name: str, role_name: str, user: str) -> Obj:
    return {"apiVersion": f"{GROUP}/v1", "kind": "RoleBinding", "metadata": {"name": name, "namespace": ns},
            "roleRef": {"apiGroup": GROUP, "kind": "Role", "name": role_name},
            "subjects": [{"apiGroup": GROUP, "kind": "User", "name": user}]}


def filled(count: int, namespaces: int = 100) -> tuple[WatchCache, RBACAuthorizer]:
    """`count` Roles and RoleBindings (user-i may get/list pods-ish resources in ns-(i % namespaces))."""
    cache = WatchCache(store=None)  # type: ignore[arg-type]  # never started: fed by put()
    for obj in bootstrap_objects():
        put(cache, obj)
    for i in range(count):
        ns = f"ns-{i % namespaces}"
        put(cache, role(ns, f"role-{i}", ["pods", f"widgets-{i}"], ["get", "list"]))
        put(cache, binding(ns, f"binding-{i}", f"role-{i}", f"user-{i}"))
    return cache, RBACAuthorizer(cache)
