"""The EndpointSlice loop: Service, pod and Node events reach only the Services they can
change (the same selector index the Endpoints controller uses), and each sync packs that
Service's pods into its slices with reconcile_slices.

Slices are found by their `kubernetes.io/service-name` label and this controller's
managed-by label, so after a restart it adopts the slices it wrote before instead of
making new ones; tracker.py keeps a sync from running on a cache that does not yet show
our own writes. Each Service's first unsynced change time (as Kubernetes' TriggerTimeTracker,
but taken when the event reaches us: a pod's lastTransitionTime has only second precision)
is stamped on the slices that sync writes, for the proxies' programming latency.
"""

from __future__ import annotations

import time
from collections.abc import Hashable

from kube.api.meta import Obj
from kube.controllers.actions import NODE, POD, SERVICE
from kube.controllers.context import Context
from kube.controllers.endpointslice.desired import (
    CONTROLLER_NAME,
    MANAGED_BY_LABEL,
    SERVICE_NAME_LABEL,
    ZONE_LABEL,
    unresolved_ports,
)
from kube.controllers.endpointslice.reconcile import ENDPOINTSLICE, reconcile_slices, stamp_trigger_time
from kube.controllers.endpointslice.tracker import STALE_WAIT, SliceWriteTracker
from kube.controllers.events import WARNING, note
from kube.controllers.loop import ControllerLoop, final_state, obj_key
from kube.controllers.pod_state import is_ready
from kube.controllers.service_matcher import ServiceMatcher, ServicePodEvents

_BY_SERVICE = "endpointslice-service"
_BY_NODE = "endpointslice-node"


def _service_of(slice_: Obj) -> list[str]:
    meta = slice_.get("metadata") or {}
    labels = meta.get("labels") or {}
    if labels.get(MANAGED_BY_LABEL) != CONTROLLER_NAME or not labels.get(SERVICE_NAME_LABEL):
        return []
    return [f"{meta.get('namespace', '')}/{labels[SERVICE_NAME_LABEL]}"]


def _node_of(pod: Obj) -> list[str]:
    node = (pod.get("spec") or {}).get("nodeName")
    return [node] if node else []


class EndpointSliceController(ControllerLoop):
    name = "endpointslice"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, ctx.options.concurrent_endpoint_syncs)
        self.matcher = ServiceMatcher(ctx.options.engine)
        self.max_per_slice = ctx.options.max_endpoints_per_slice
        self.zones: dict[str, str] = {}  # every known Node -> its zone ("" without one)
        self._loaded = False  # during the first lists members are matched once at the end (started)
        self._reported: dict[str, list[str]] = {}  # service key -> the unresolved ports last reported
        self.tracker = SliceWriteTracker()
        self._triggers: dict[str, float] = {}  # service key -> its first change not yet synced

    def setup(self) -> None:
        f = self.ctx.factory
        self.services = f.informer_for(SERVICE)
        self.pods = f.informer_for(POD, indexers={_BY_NODE: _node_of})
        self.nodes = f.informer_for(NODE)
        self.slices = f.informer_for(ENDPOINTSLICE, indexers={_BY_SERVICE: _service_of})
        ServicePodEvents(self.matcher, lambda ns: self.pods.store.by_index("namespace", ns), self._triggered,
                         slice_view, wake_deleted=self.enqueue,
                         loaded=lambda: self._loaded).attach(self.services, self.pods)
        self.nodes.add_handler(self._node_changed, lambda _o, n: self._node_changed(n), self._node_deleted)
        self.slices.add_handler(lambda o: self._slice_changed(o), lambda _o, n: self._slice_changed(n),
                                self._slice_changed)

    async def started(self) -> None:
        self.matcher.rematch()
        self._loaded = True

    # --- events --------------------------------------------------------------------------------

    def _triggered(self, key: str) -> None:
        self._triggers.setdefault(key, time.time())
        self.enqueue(key)

    def _node_changed(self, node: Obj) -> None:
        meta = node.get("metadata") or {}
        name, zone = meta.get("name", ""), (meta.get("labels") or {}).get(ZONE_LABEL, "")
        if self.zones.get(name) == zone:
            return
        self.zones[name] = zone
        self._requeue_node(name)

    def _node_deleted(self, obj: object) -> None:
        name = obj_key(obj)
        if self.zones.pop(name, None) is not None:
            self._requeue_node(name)

    def _requeue_node(self, name: str) -> None:
        for pod in self.pods.store.by_index(_BY_NODE, name):
            for key in self.matcher.services_of(obj_key(pod)):
                self.enqueue(key)

    def _slice_changed(self, obj: object) -> None:
        for key in _service_of(final_state(obj)):
            self.enqueue(key)

    # --- sync ----------------------------------------------------------------------------------

    async def sync(self, key: Hashable) -> float | None:
        key = str(key)
        slices = self.slices.store.by_index(_BY_SERVICE, key)
        if self.tracker.behind(key, slices):
            return STALE_WAIT
        service = self.services.store.get(key)
        pods = [p for k in self.matcher.pods_of(key) if (p := self.pods.store.get(k)) is not None]
        actions = reconcile_slices(service, pods, slices, self.zones, self.max_per_slice)
        if service is not None:
            self._report_ports(key, service, pods)
        else:
            self._reported.pop(key, None)
        triggered = self._triggers.pop(key, None)
        if not actions:
            return None
        stamp_trigger_time(actions, triggered or time.time())
        self.tracker.wrote(key, slices, actions)
        try:
            await self.ctx.executor.run(actions, f"endpointslice {key}")
        except Exception:
            self.tracker.forget(key)
            if triggered is not None:
                self._triggers.setdefault(key, triggered)  # the retry still answers for that change
            raise
        return None


    def _report_ports(self, key: str, service: Obj, pods: list[Obj]) -> None:
        """A Warning Event on the Service when a named targetPort matches no selected pod
        (once per change of that list: the recorder would fold repeats anyway)."""
        missing = unresolved_ports(service, pods)
        if missing == self._reported.get(key, []):
            return
        self._reported[key] = missing
        if missing:
            self.ctx.recorder("endpoint-slice-controller").record(note(
                service, WARNING, "FailedToResolvePort",
                f"no selected pod has a container port named {', '.join(missing)}: "
                "that Service port has no endpoints"))


def slice_view(pod: Obj) -> tuple:
    """What of a pod shows in its endpoints: a change elsewhere needs no sync."""
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    return (meta.get("labels"), meta.get("deletionTimestamp"), status.get("podIP"), status.get("podIPs"),
            status.get("phase"), is_ready(pod), spec.get("nodeName"), spec.get("hostname"), spec.get("subdomain"))
