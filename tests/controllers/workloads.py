"""Manifests for controller tests."""

from __future__ import annotations

import copy
from typing import Any

Obj = dict[str, Any]


def template(labels: dict[str, str], image: str = "kube.local/busybox:1") -> Obj:
    return {"metadata": {"labels": dict(labels)},
            "spec": {"containers": [{"name": "c", "image": image}]}}


def replica_set(name: str, replicas: int, labels: dict[str, str] | None = None, **spec: Any) -> Obj:
    labels = labels or {"app": name}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)}, "template": template(labels),
                     **spec}}


def deployment(name: str, replicas: int, *, surge: Any = "25%", unavailable: Any = "25%", image: str = "img:1",
               strategy: str = "RollingUpdate", **spec: Any) -> Obj:
    labels = {"app": name}
    strat: Obj = {"type": strategy}
    if strategy == "RollingUpdate":
        strat["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template(labels, image),
                     "strategy": strat, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600, **spec}}


def pod(name: str, labels: dict[str, str], **extra: Any) -> Obj:
    obj: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default",
                                                              "labels": dict(labels)},
                "spec": {"containers": [{"name": "c", "image": "img"}]}}
    for key, value in extra.items():
        obj[key] = copy.deepcopy(value)
    return obj
