"""After each kill and restart the cluster must converge, and no Deployment may ever run
more pods than it asked for.

`Convergence.check(label)` is one round's proof, through the official client: a new
Deployment rolls out to full availability (pods scheduled, started, Ready), a deleted pod
goes and is replaced, the previous round's Deployment rolls out a new template and is then
deleted with all its pods. Deadlines are generous (wait for the condition, never a tight
timing assert). `PodCeiling` watches the pods all along (a ResumingWatch) and records the
most pods each Deployment ever had at once that are neither terminating nor finished: never
more than `replicas` (+ `maxSurge` while a rollout is under way).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from kubernetes.client.exceptions import ApiException

from tests.chaos.official_client import TIMEOUT, Servers, transient
from tests.chaos.resuming_watch import ResumingWatch
from tests.controllers.real_cluster import rollout_complete
from tests.local.local_cluster import wait_for

APP = "chaos-app"
IMAGE = "kube.local/busybox:1"
DEADLINE = 120.0  # seconds any convergence may take on a busy 2-core machine


def active(pod: dict[str, Any]) -> bool:
    """Counted against the Deployment: not being deleted, not finished (as the ReplicaSet controller counts)."""
    return not pod["metadata"].get("deletionTimestamp") and \
        (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


class PodCeiling:
    """The most active pods each app (the `chaos-app` label) had at once, and every time it went over its limit."""

    def __init__(self, servers: Servers, namespace: str) -> None:
        self.pods: dict[str, tuple[str, bool]] = {}  # pod name -> (app, active)
        self.limits: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.violations: list[str] = []
        self.events = 0
        self._lock = threading.Lock()
        self.watch = ResumingWatch(servers, "pods", namespace, self._event, self._relisted)

    def start(self) -> None:
        self._relisted(self.watch.start_from_list())

    def limit(self, app: str, pods: int) -> None:
        with self._lock:
            self.limits[app] = pods

    def _event(self, kind: str, pod: dict[str, Any]) -> None:
        app = (pod["metadata"].get("labels") or {}).get(APP)
        with self._lock:
            self.events += 1
            if kind == "DELETED":
                self.pods.pop(pod["metadata"]["name"], None)
            elif app:
                self.pods[pod["metadata"]["name"]] = (app, active(pod))
            if app:
                self._count(app)

    def _relisted(self, items: list[dict[str, Any]]) -> None:
        with self._lock:
            self.pods = {p["metadata"]["name"]: ((p["metadata"].get("labels") or {}).get(APP, ""), active(p))
                         for p in items if (p["metadata"].get("labels") or {}).get(APP)}

    def _count(self, app: str) -> None:
        count = sum(1 for a, on in self.pods.values() if a == app and on)
        self.most[app] = max(self.most.get(app, 0), count)
        if app in self.limits and count > self.limits[app]:
            self.violations.append(f"{app}: {count} active pods, limit {self.limits[app]}: "
                                   f"{sorted(n for n, (a, on) in self.pods.items() if a == app and on)}")

    def stop(self) -> None:
        self.watch.stop()


def deployment(name: str, replicas: int, surge: int = 1) -> dict[str, Any]:
    labels = {APP: name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": surge, "maxUnavailable": 0}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "main", "image": IMAGE}],
                                           "terminationGracePeriodSeconds": 1}}}}


class Convergence:
    """One round's convergence checks in `namespace`, each call retried across servers while they restart."""

    def __init__(self, servers: Servers, namespace: str, ceiling: PodCeiling, replicas: int = 2,
                 surge: int = 1) -> None:
        self.servers, self.namespace, self.ceiling = servers, namespace, ceiling
        self.replicas, self.surge = replicas, surge
        self.previous: str | None = None
        self.deployments = 0

    def _call(self, fn: Callable[[Servers], Any]) -> Any:
        return self.servers.call(fn, attempts=40)

    def _probe(self, probe: Callable[[], Any]) -> Callable[[], Any]:
        """probe, with a transient failure (a server restarting) taken as 'not yet'."""
        def guarded() -> Any:
            try:
                return probe()
            except Exception as error:
                if not transient(error):
                    raise
                self.servers.rotate()
                return None
        return guarded

    def _get_deployment(self, name: str) -> dict[str, Any]:
        resp = self.servers.apps.read_namespaced_deployment(name, self.namespace, _preload_content=False,
                                                            _request_timeout=TIMEOUT)
        return json.loads(resp.data)

    def pods(self, app: str) -> list[dict[str, Any]]:
        resp = self.servers.core.list_namespaced_pod(self.namespace, label_selector=f"{APP}={app}",
                                                     _preload_content=False, _request_timeout=TIMEOUT)
        return json.loads(resp.data)["items"]

    def running(self, app: str) -> list[dict[str, Any]]:
        return [p for p in self.pods(app) if active(p) and p["spec"].get("nodeName")
                and (p.get("status") or {}).get("phase") == "Running"]

    def rolled_out(self, app: str) -> bool:
        return rollout_complete(self._get_deployment(app)) and len(self.running(app)) == self.replicas

    def wait(self, what: str, probe: Callable[[], Any]) -> Any:
        return wait_for(what, self._probe(probe), DEADLINE, 0.25)

    def check(self, label: str) -> float:
        """The round's checks; the seconds they took."""
        started = time.monotonic()
        name = f"{label}-{self.deployments}"
        self.deployments += 1
        self.ceiling.limit(name, self.replicas)  # no rollout of a new Deployment: never above replicas
        self._call(lambda s: s.apps.create_namespaced_deployment(
            self.namespace, deployment(name, self.replicas, self.surge), _request_timeout=TIMEOUT))
        self.wait(f"deployment {name} rolled out", lambda: self.rolled_out(name))

        victim = self.running(name)[0]["metadata"]["name"]
        self._delete_pod(victim)
        self.wait(f"pod {victim} gone and {name} whole again", lambda: victim not in {
            p["metadata"]["name"] for p in self.pods(name)} and self.rolled_out(name))

        if self.previous is not None:
            old = self.previous
            self.ceiling.limit(old, self.replicas + self.surge)
            self._call(lambda s: s.apps.patch_namespaced_deployment(old, self.namespace, {"spec": {"template": {
                "metadata": {"annotations": {"chaos/round": name}}}}}, _request_timeout=TIMEOUT))
            self.wait(f"deployment {old} rolled out its new template", lambda: self.rolled_out(old) and all(
                (p["metadata"].get("annotations") or {}).get("chaos/round") == name for p in self.running(old)))
            self._call(lambda s: s.apps.delete_namespaced_deployment(
                old, self.namespace, propagation_policy="Background", _request_timeout=TIMEOUT))
            self.wait(f"every pod of deleted deployment {old} gone", lambda: not self.pods(old))
        self.previous = name
        return time.monotonic() - started

    def _delete_pod(self, name: str) -> None:
        try:
            self._call(lambda s: s.core.delete_namespaced_pod(name, self.namespace, _request_timeout=TIMEOUT))
        except ApiException as error:
            if error.status != 404:  # a retried delete whose first attempt went through
                raise
