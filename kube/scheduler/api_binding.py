"""The scheduler's link to the API, through kube/client only.

Informers on Nodes and Pods feed the scheduler's callbacks; `ApiBinder`
POSTs pods/<name>/binding (asynchronously: the pod is already assumed);
a bind the API answers 404 for raises BindingGone, so the scheduler forgets the
pod instead of retrying it; after any other failure (a 409: bound by another,
re-created, busy) it retries only while the pod informer's copy is still the same
pending pod. Events go through api_events.py's bounded `ApiEvents`.
"""

from __future__ import annotations

import logging
from typing import Any

from kube.api.registry import resolve
from kube.client.errors import ApiError
from kube.client.informer import DeletedFinalStateUnknown, SharedInformerFactory
from kube.client.paths import object_path
from kube.client.rest import RestClient
from kube.scheduler.api_events import ApiEvents
from kube.scheduler.pod_info import PodInfo
from kube.scheduler.scheduler import BindingGone, Scheduler

log = logging.getLogger("kube.scheduler")
POD, NODE = resolve("pods"), resolve("nodes")
__all__ = ["ApiBinder", "ApiEvents", "wire_informers"]


class ApiBinder:
    def __init__(self, client: RestClient) -> None:
        self.client = client

    async def bind(self, pod: PodInfo, node: str) -> None:
        body = {"apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
        try:
            await self.client.request("POST", object_path(POD, pod.namespace, pod.name, "binding"), body=body)
        except ApiError as exc:
            if exc.code == 404:
                raise BindingGone(exc.message) from exc
            raise  # a 409 (already bound, re-created, busy): the informer's copy tells the scheduler


def _obj(o: Any) -> dict[str, Any]:
    return o.obj if isinstance(o, DeletedFinalStateUnknown) else o


def wire_informers(factory: SharedInformerFactory, sched: Scheduler) -> None:
    nodes = factory.informer_for(NODE)
    nodes.add_handler(sched.on_node_add, lambda _old, new: sched.on_node_update(new),
                      lambda o: sched.on_node_delete(_obj(o)))
    pods = factory.informer_for(POD)
    pods.add_handler(sched.on_pod_add, lambda _old, new: sched.on_pod_update(new),
                     lambda o: sched.on_pod_delete(_obj(o)))
    sched.lookup_pod = pods.store.get
