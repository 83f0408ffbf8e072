"""An in-memory stand-in for the API, for pure reconcile tests: it applies the actions a
reconcile returns the way the API server would (names, uids, generation, merge patches,
resourceVersion preconditions), so tests can step a controller to its fixed point."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from kube.api.patch import apply_merge_patch
from kube.controllers import actions as A

Obj = dict[str, Any]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeCluster:
    def __init__(self, now: datetime = T0) -> None:
        self.objects: dict[tuple[str, str, str], Obj] = {}
        self.now = now
        self._ids = itertools.count(1)
        self.log: list[Any] = []

    # --- reading -------------------------------------------------------------------------------

    def list(self, kind: str, namespace: str | None = None) -> list[Obj]:
        return [copy.deepcopy(o) for (k, ns, _), o in sorted(self.objects.items())
                if k == kind and (namespace is None or ns == namespace)]

    def get(self, kind: str, name: str, namespace: str = "default") -> Obj | None:
        obj = self.objects.get((kind, namespace, name))
        return copy.deepcopy(obj) if obj is not None else None

    # --- writing -------------------------------------------------------------------------------

    def add(self, obj: Obj) -> Obj:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            meta["name"] = f"{meta.get('generateName', 'x-')}{next(self._ids):05d}"
        cluster_scoped = obj.get("kind") in ("Node", "Namespace")
        meta["namespace"] = "" if cluster_scoped else (meta.get("namespace") or "default")
        meta.setdefault("uid", f"uid-{meta['name']}")
        meta.setdefault("creationTimestamp", stamp(self.now))
        meta["generation"] = 1
        meta["resourceVersion"] = str(next(self._ids))
        key = (obj["kind"], meta.get("namespace", ""), meta["name"])
        assert key not in self.objects, f"{key} already exists"
        self.objects[key] = obj
        return copy.deepcopy(obj)

    def _key(self, kind: str, namespace: str, name: str) -> tuple[str, str, str]:
        return (kind, namespace or "", name)

    def _write(self, key: tuple[str, str, str], new: Obj) -> None:
        old = self.objects[key]
        if new.get("spec") != old.get("spec"):
            new["metadata"]["generation"] = int(old["metadata"].get("generation") or 1) + 1
        new["metadata"]["resourceVersion"] = str(next(self._ids))
        meta = new["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and not meta.get("deletionGracePeriodSeconds"):
            del self.objects[key]
            return
        self.objects[key] = new

    def delete(self, kind: str, namespace: str, name: str, propagation: str | None = None,
               grace: int | None = None) -> None:
        key = self._key(kind, namespace, name)
        obj = self.objects.get(key)
        if obj is None:
            return
        finalizers = list(obj["metadata"].get("finalizers") or [])
        if propagation == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if propagation == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        if kind == "Namespace":
            obj["metadata"]["deletionTimestamp"] = stamp(self.now)
            obj["status"] = {"phase": "Terminating"}
            return
        if not finalizers:
            del self.objects[key]
            return
        obj["metadata"]["finalizers"] = finalizers
        obj["metadata"].setdefault("deletionTimestamp", stamp(self.now))

    def apply(self, acts: list[A.Action]) -> None:
        for act in acts:
            self.log.append(act)
            self._apply_one(act)

    def _apply_one(self, act: A.Action) -> None:
        if isinstance(act, A.CreatePod):
            self.add(act.pod)
        elif isinstance(act, A.Create):
            meta = act.obj["metadata"]
            if self._key(act.kind.kind, meta.get("namespace", ""), meta.get("name", "")) in self.objects:
                return  # AlreadyExists
            self.add(act.obj)
        elif isinstance(act, A.DeletePod):
            key = self._key("Pod", act.namespace, act.name)
            if key in self.objects and (not act.uid or self.objects[key]["metadata"]["uid"] == act.uid):
                self.delete("Pod", act.namespace, act.name, grace=act.grace_period)
        elif isinstance(act, A.Delete):
            key = self._key(act.kind.kind, act.namespace, act.name)
            if key in self.objects and (not act.uid or self.objects[key]["metadata"]["uid"] == act.uid):
                self.delete(act.kind.kind, act.namespace, act.name, act.propagation, act.grace_period)
        elif isinstance(act, A.Patch):
            key = self._key(act.kind.kind, act.namespace, act.name)
            if key not in self.objects:
                return
            patch = copy.deepcopy(act.patch)
            rv = (patch.get("metadata") or {}).pop("resourceVersion", None)
            if rv is not None and rv != self.objects[key]["metadata"]["resourceVersion"]:
                return  # Conflict
            self._write(key, apply_merge_patch(self.objects[key], patch))
        elif isinstance(act, A.UpdateStatus):
            meta = act.obj["metadata"]
            key = self._key(act.kind.kind, meta.get("namespace", ""), meta["name"])
            if key in self.objects:
                new = copy.deepcopy(self.objects[key])
                new["status"] = copy.deepcopy(act.status)
                self._write(key, new)
        elif isinstance(act, A.Update):
            meta = act.obj["metadata"]
            key = self._key(act.kind.kind, meta.get("namespace", ""), meta["name"])
            if key in self.objects and meta.get("resourceVersion") in (None, self.objects[key]["metadata"]["resourceVersion"]):
                new = copy.deepcopy(act.obj)
                new["status"] = self.objects[key].get("status")
                self._write(key, new)
        elif isinstance(act, A.Finalize):
            key = self._key("Namespace", "", act.name)
            if key in self.objects:
                self.objects[key].setdefault("spec", {})["finalizers"] = list(act.finalizers)
                if not act.finalizers and self.objects[key]["metadata"].get("deletionTimestamp"):
                    del self.objects[key]
        else:
            raise AssertionError(f"unknown action {act!r}")

    # --- the world moving on ---------------------------------------------------------------------

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def run_pods(self, names: list[str] | None = None, node: str = "n1", ready: bool = True) -> None:
        """What a node agent would do: bind, run and (optionally) make pods ready."""
        for (kind, _, name), pod in self.objects.items():
            if kind != "Pod" or (names is not None and name not in names) or pod["metadata"].get("deletionTimestamp"):
                continue
            pod.setdefault("spec", {}).setdefault("nodeName", node)
            status = pod.setdefault("status", {})
            status["phase"] = "Running"
            status.setdefault("podIP", f"10.244.0.{next(self._ids) % 250 + 1}")
            current = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
            if current is not None and (current["status"] == "True") == ready:
                continue
            status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                     "lastTransitionTime": stamp(self.now)}]
