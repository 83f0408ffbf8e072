"""The scheduler's link to the API, through kube/client only.

Informers on Nodes and Pods feed the scheduler's callbacks; `ApiBinder`
POSTs pods/<name>/binding (asynchronously: the pod is already assumed);
`ApiEvents` posts FailedScheduling / Scheduled Events and bumps `count` on
repeats instead of creating new ones.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kube.api.registry import resolve
from kube.client.errors import ApiError
from kube.client.informer import DeletedFinalStateUnknown, SharedInformerFactory
from kube.client.paths import object_path
from kube.client.rest import RestClient
from kube.scheduler.events import make_event
from kube.scheduler.pod_info import PodInfo
from kube.scheduler.scheduler import Scheduler

log = logging.getLogger("kube.scheduler")
POD, NODE, EVENT = resolve("pods"), resolve("nodes"), resolve("events")


class ApiBinder:
    def __init__(self, client: RestClient) -> None:
        self.client = client

    async def bind(self, pod: PodInfo, node: str) -> None:
        body = {"apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
        await self.client.request("POST", object_path(POD, pod.namespace, pod.name, "binding"), body=body)


class ApiEvents:
    def __init__(self, client: RestClient) -> None:
        self.client = client
        self._sent: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._tasks: set[asyncio.Task] = set()

    def emit(self, pod: PodInfo, reason: str, message: str, kind: str = "Warning") -> None:
        task = asyncio.ensure_future(self._post(pod, reason, message, kind))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, pod: PodInfo, reason: str, message: str, kind: str) -> None:
        key = (pod.uid, reason, message)
        try:
            prev = self._sent.get(key)
            if prev is not None:
                prev["count"] += 1
                patch = {"count": prev["count"], "lastTimestamp": make_event(pod, reason, message)["lastTimestamp"]}
                await self.client.request(
                    "PATCH", object_path(EVENT, pod.namespace, prev["metadata"]["name"]), body=patch,
                    content_type="application/merge-patch+json")
                return
            created = await self.client.create(EVENT, make_event(pod, reason, message, kind), pod.namespace)
            if len(self._sent) > 10_000:
                self._sent.clear()
            self._sent[key] = created
        except (ApiError, OSError) as exc:
            log.warning("could not record event %s for %s: %s", reason, pod.key, exc)


def _obj(o: Any) -> dict[str, Any]:
    return o.obj if isinstance(o, DeletedFinalStateUnknown) else o


def wire_informers(factory: SharedInformerFactory, sched: Scheduler) -> None:
    nodes = factory.informer_for(NODE)
    nodes.add_handler(sched.on_node_add, lambda _old, new: sched.on_node_update(new),
                      lambda o: sched.on_node_delete(_obj(o)))
    pods = factory.informer_for(POD)
    pods.add_handler(sched.on_pod_add, lambda _old, new: sched.on_pod_update(new),
                     lambda o: sched.on_pod_delete(_obj(o)))
