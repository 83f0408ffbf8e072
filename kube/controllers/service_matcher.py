"""Which Services select which pods, kept current pod by pod with the selector_index kernel.

Labels are interned to integer pair ids (`key=value` -> id); every selector and every
pod also carries a namespace pseudo-pair, so matching never crosses namespaces. A pod
change asks the kernel only about the services anchored at the pod's own pairs and
answers with the Services whose Endpoints may change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kube._fast import load
from kube.controllers.loop import obj_key


class Interner:
    """Stable small integer ids for hashable values; ids of freed values are reused."""

    def __init__(self) -> None:
        self._ids: dict[object, int] = {}
        self._refs: dict[int, int] = {}
        self._free: list[int] = []

    def acquire(self, value: object) -> int:
        ident = self._ids.get(value)
        if ident is None:
            ident = self._free.pop() if self._free else len(self._ids)
            self._ids[value] = ident
        self._refs[ident] = self._refs.get(ident, 0) + 1
        return ident

    def release(self, value: object) -> None:
        ident = self._ids.get(value)
        if ident is None:
            return
        left = self._refs[ident] - 1
        if left:
            self._refs[ident] = left
        else:
            del self._refs[ident], self._ids[value]
            self._free.append(ident)

    def peek(self, value: object) -> int | None:
        return self._ids.get(value)


def _pairs(namespace: str, labels: Mapping[str, str]) -> list[tuple[str, str]]:
    return [("\0namespace", namespace), *labels.items()]


class ServiceMatcher:
    def __init__(self, engine: str = "auto") -> None:
        self.index = load("selector_index", engine).SelectorIndex()
        self._pairs = Interner()
        self._service_ids = Interner()
        self._pod_ids = Interner()
        self._service_keys: dict[int, str] = {}
        self._service_pairs: dict[str, list[tuple[str, str]]] = {}
        self._pod_pairs: dict[str, list[tuple[str, str]]] = {}
        self._members: dict[str, set[str]] = {}  # service key -> pod keys it selects
        self._pod_services: dict[str, set[str]] = {}

    # --- services ------------------------------------------------------------------------------

    def set_service(self, key: str, namespace: str, selector: Mapping[str, str] | None,
                    pods: Mapping[str, Mapping[str, str]] | None = None) -> None:
        """Add or change a Service; `pods` (key -> labels, its namespace's pods) recomputes its members."""
        self.remove_service(key)
        if not selector:
            return
        sid = self._service_ids.acquire(key)
        self._service_keys[sid] = key
        pairs = _pairs(namespace, selector)
        self._service_pairs[key] = pairs
        self.index.set_service(sid, [self._pairs.acquire(p) for p in pairs])
        members = set()
        for pod_key, labels in (pods or {}).items():
            if all(labels.get(k) == v for k, v in selector.items()) and pod_key in self._pod_pairs:
                members.add(pod_key)
                self._pod_services.setdefault(pod_key, set()).add(key)
        self._members[key] = members

    def remove_service(self, key: str) -> None:
        sid = self._service_ids.peek(key)
        if sid is None:
            return
        self.index.remove_service(sid)
        for pair in self._service_pairs.pop(key, []):
            self._pairs.release(pair)
        for pod_key in self._members.pop(key, set()):
            self._pod_services.get(pod_key, set()).discard(key)
        del self._service_keys[sid]
        self._service_ids.release(key)

    # --- pods ----------------------------------------------------------------------------------

    def set_pod(self, key: str, namespace: str, labels: Mapping[str, str]) -> set[str]:
        """Add or change a pod; the Services that selected it before or select it now."""
        pairs = _pairs(namespace, labels)
        old_pairs = self._pod_pairs.get(key)
        pid = self._pod_ids.acquire(key) if old_pairs is None else self._pod_ids.peek(key)
        assert pid is not None
        ids = [self._pairs.acquire(p) for p in pairs]
        if old_pairs is not None:
            for pair in old_pairs:
                self._pairs.release(pair)
        self._pod_pairs[key] = pairs
        self.index.set_pod(pid, ids)
        now = {self._service_keys[s] for s in self.index.pod_services(pid)}
        before = self._pod_services.get(key, set())
        for service in before - now:
            self._members[service].discard(key)
        for service in now - before:
            self._members[service].add(key)
        self._pod_services[key] = now
        return before | now

    def remove_pod(self, key: str) -> set[str]:
        pairs = self._pod_pairs.pop(key, None)
        if pairs is None:
            return set()
        pid = self._pod_ids.peek(key)
        assert pid is not None
        self.index.remove_pod(pid)
        for pair in pairs:
            self._pairs.release(pair)
        self._pod_ids.release(key)
        services = self._pod_services.pop(key, set())
        for service in services:
            self._members[service].discard(key)
        return services

    def rematch(self) -> None:
        """Every Service's members again from the kernel in one pass: after a bulk load whose
        set_service calls got no pods, O(matches) instead of services x pods."""
        offsets, pods = self.index.rematch_all()
        pod_keys = {ident: key for key, ident in self._pod_ids._ids.items()}
        self._members = {key: set() for key in self._service_pairs}
        self._pod_services = {key: set() for key in self._pod_pairs}
        last = len(offsets) - 1
        for sid, key in self._service_keys.items():
            if sid >= last:
                continue
            members = {pod_keys[p] for p in pods[offsets[sid]:offsets[sid + 1]]}
            self._members[key] = members
            for pod_key in members:
                self._pod_services[pod_key].add(key)

    def pods_of(self, service_key: str) -> set[str]:
        return set(self._members.get(service_key, ()))

    def services_of(self, pod_key: str) -> set[str]:
        return set(self._pod_services.get(pod_key, ()))


class ServicePodEvents:
    """Service and pod informer events -> the keys of the Services they can affect, through one
    ServiceMatcher: the event side shared by the Endpoints and EndpointSlice controllers, so a
    matching fix lands in both. `view` is what of a pod the controller publishes (an update
    that leaves it alone wakes nobody); `loaded` is False while the first lists arrive (the
    members are then matched once, by `ServiceMatcher.rematch`, instead of per Service)."""

    def __init__(self, matcher: ServiceMatcher, pods_in: Callable[[str], Iterable[Mapping[str, Any]]],
                 wake: Callable[[str], None], view: Callable[[Mapping[str, Any]], tuple], *,
                 wake_deleted: Callable[[str], None] | None = None, loaded: Callable[[], bool] = lambda: True,
                 ) -> None:
        self.matcher = matcher
        self.pods_in = pods_in  # the cached pods of a namespace
        self.wake = wake
        self.wake_deleted = wake_deleted or wake
        self.view = view
        self.loaded = loaded

    def service_changed(self, svc: Mapping[str, Any]) -> None:
        key = obj_key(svc)
        namespace = (svc.get("metadata") or {}).get("namespace", "")
        selector = (svc.get("spec") or {}).get("selector") or None
        pods = {obj_key(p): (p.get("metadata") or {}).get("labels") or {}
                for p in self.pods_in(namespace)} if selector and self.loaded() else None
        self.matcher.set_service(key, namespace, selector, pods)
        self.wake(key)

    def service_deleted(self, obj: object) -> None:
        key = obj_key(obj)
        self.matcher.remove_service(key)
        self.wake_deleted(key)

    def pod_changed(self, pod: Mapping[str, Any]) -> None:
        meta = pod.get("metadata") or {}
        for key in self.matcher.set_pod(obj_key(pod), meta.get("namespace", ""), meta.get("labels") or {}):
            self.wake(key)

    def pod_updated(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if self.view(old) != self.view(new):
            self.pod_changed(new)

    def pod_deleted(self, obj: object) -> None:
        for key in self.matcher.remove_pod(obj_key(obj)):
            self.wake(key)

    def attach(self, services: Any, pods: Any) -> None:
        services.add_handler(self.service_changed, lambda _o, n: self.service_changed(n), self.service_deleted)
        pods.add_handler(self.pod_changed, self.pod_updated, self.pod_deleted)
