"""Which node each pod is bound to, and what each pod references: the Node authorizer's graph.

Kubernetes keeps a graph of pods, secrets, configmaps, PVCs and ServiceAccounts fed by
informers. Here the pods' watch cache is the source: the graph follows the cache's recent
events (the deque every KindCache keeps for watch resumption) from the revision it last
saw, and rebuilds from the cache's objects only when those events are no longer there (a
relist, or more changes than the window holds). No hook into the cache is needed and a
request costs a dict lookup once the graph has caught up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from kube.api.meta import Obj
from kube.apiserver.watch.cache import KindCache

# reference kinds: "secrets", "configmaps", "persistentvolumeclaims", "serviceaccounts"
Ref = tuple[str, str, str]  # (resource, namespace, name)


def _containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(field) or ():
            if isinstance(c, dict):
                yield c


def pod_refs(pod: Obj) -> set[Ref]:
    """Every Secret, ConfigMap, PVC and ServiceAccount the pod names (volumes, env, pull secrets)."""
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    ns = meta.get("namespace", "")
    refs: set[Ref] = {("serviceaccounts", ns, spec.get("serviceAccountName") or "default")}

    def add(resource: str, name: Any) -> None:
        if isinstance(name, str) and name:
            refs.add((resource, ns, name))

    for s in spec.get("imagePullSecrets") or ():
        if isinstance(s, dict):
            add("secrets", s.get("name"))
    for v in spec.get("volumes") or ():
        if not isinstance(v, dict):
            continue
        add("secrets", (v.get("secret") or {}).get("secretName"))
        add("configmaps", (v.get("configMap") or {}).get("name"))
        add("persistentvolumeclaims", (v.get("persistentVolumeClaim") or {}).get("claimName"))
        for src in (v.get("projected") or {}).get("sources") or ():
            if isinstance(src, dict):
                add("secrets", (src.get("secret") or {}).get("name"))
                add("configmaps", (src.get("configMap") or {}).get("name"))
        if v.get("ephemeral"):
            add("persistentvolumeclaims", f"{meta.get('name', '')}-{v.get('name', '')}")
    for c in _containers(spec):
        for env in c.get("env") or ():
            source = (env.get("valueFrom") or {}) if isinstance(env, dict) else {}
            add("secrets", (source.get("secretKeyRef") or {}).get("name"))
            add("configmaps", (source.get("configMapKeyRef") or {}).get("name"))
        for env_from in c.get("envFrom") or ():
            if isinstance(env_from, dict):
                add("secrets", (env_from.get("secretRef") or {}).get("name"))
                add("configmaps", (env_from.get("configMapRef") or {}).get("name"))
    return refs


class NodeGraph:
    """pod key -> (node, refs); node -> {ref: count of its pods naming it}."""

    def __init__(self, pods: KindCache) -> None:
        self._pods = pods
        self._objects: dict[str, Obj] | None = None
        self._seen = -1
        self.pod_node: dict[str, str] = {}  # "ns/name" -> node
        self._pod_refs: dict[str, set[Ref]] = {}
        self._node_refs: dict[str, dict[Ref, int]] = defaultdict(dict)

    def _catch_up(self) -> None:
        cache = self._pods
        events = cache.events
        last = events[-1].revision if events else cache.window_start
        if cache.objects is self._objects and last == self._seen:
            return
        if cache.objects is not self._objects or self._seen < cache.window_start:
            self._rebuild()
            return
        pending = []
        for ev in reversed(events):
            if ev.revision <= self._seen:
                break
            pending.append(ev)
        for ev in reversed(pending):
            meta = ev.obj.get("metadata") or {}
            key = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
            self._drop(key)
            if ev.type != "DELETED":
                self._add(key, ev.obj)
        self._seen = last

    def _rebuild(self) -> None:
        cache = self._pods
        self.pod_node, self._pod_refs, self._node_refs = {}, {}, defaultdict(dict)
        for obj in list(cache.objects.values()):
            meta = obj.get("metadata") or {}
            self._add(f"{meta.get('namespace', '')}/{meta.get('name', '')}", obj)
        self._objects = cache.objects
        self._seen = cache.events[-1].revision if cache.events else cache.window_start

    def _add(self, key: str, pod: Obj) -> None:
        node = (pod.get("spec") or {}).get("nodeName")
        if not isinstance(node, str) or not node:
            return
        refs = pod_refs(pod)
        self.pod_node[key], self._pod_refs[key] = node, refs
        counts = self._node_refs[node]
        for ref in refs:
            counts[ref] = counts.get(ref, 0) + 1

    def _drop(self, key: str) -> None:
        node = self.pod_node.pop(key, None)
        if node is None:
            return
        counts = self._node_refs[node]
        for ref in self._pod_refs.pop(key, ()):
            left = counts.get(ref, 0) - 1
            if left > 0:
                counts[ref] = left
            else:
                counts.pop(ref, None)

    def node_of(self, namespace: str, pod: str) -> str | None:
        self._catch_up()
        return self.pod_node.get(f"{namespace}/{pod}")

    def has_ref(self, node: str, ref: Ref) -> bool:
        self._catch_up()
        refs = self._node_refs.get(node)
        return bool(refs) and ref in refs
