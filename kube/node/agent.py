"""One node's kubelet core, shared by both runtimes: registration, status reports,
pod sync (reading what configures the pod's containers, so the runtime gets it ready)
and graceful deletion, whose SIGTERM waits for the proxies to stop sending the pod new
connections (kube/node/termination_gate.py). The process-level loops (informers, work queue,
heartbeats) live in kube/node/fleet.py so thousands of agents share them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from typing import Any

from kube.api.meta import Obj, object_key
from kube.api.registry import resolve
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.rest import RestClient
from kube.node.disk_taint import disk_taint_patch
from kube.node.env_resolver import EnvResolver
from kube.node.events import EventRecorder
from kube.node.node_config import NodeConfig
from kube.node.node_status import (
    STATUS_REFRESH_SECONDS,
    HostInfo,
    desired_status,
    keep_transition_times,
    labels_patch,
    new_node,
    status_changed,
)
from kube.node.pod_ips import PodCidrExhausted, PodIPAllocator
from kube.node.pod_status import build_pod_status, status_differs
from kube.node.pull_secrets import PullSecrets
from kube.node.runtime import PodConfig, PodRuntime, PodSandbox
from kube.node.termination_gate import TerminationGate

log = logging.getLogger("kube.node")
POD, NODE = resolve("pods"), resolve("nodes")
DEFAULT_GRACE_SECONDS = 30
WAIT_FOR_CIDR_SECONDS = 1.0
TERMINAL = ("Succeeded", "Failed")


class NodeAgent:
    """The kubelet of one node (simulated or real)."""

    def __init__(self, config: NodeConfig, runtime: PodRuntime, client: RestClient,
                 events: EventRecorder | None = None, resync_seconds: float | None = None) -> None:
        self.config = config
        self.runtime = runtime
        self.client = client
        self.resolver = EnvResolver(client)  # env and volume data, for runtimes that need them
        self.events = events
        self.pull_secrets = PullSecrets(client, warn=self._warn)
        self.resync_seconds = resync_seconds  # how often a live pod is re-checked (None: only on changes)
        self.node: Obj | None = None  # the Node as last seen from the API
        self.ips: PodIPAllocator | None = None
        self.host: HostInfo | None = None
        self._capacity: Obj = {}
        self._images: list[Obj] = []
        self.disk_pressure = False  # from the runtime's image GC / eviction thresholds, if it has them
        self._last_report = 0.0
        self.status_dirty = True
        self._terminating: dict[str, asyncio.Task[None]] = {}
        self._holding: set[str] = set()  # uids whose termination still waits in the gate (nothing stopped yet)
        self.gate: TerminationGate | None = None  # the fleet's; None: SIGTERM at once
        self.admitted: set[str] = set()  # uids of the active pods this node accepted (at most max_pods)
        self.on_pod_finished: Any = None  # fleet callback: requeue a pod key when its termination is done

    @property
    def name(self) -> str:
        return self.config.name

    # --- the Node ----------------------------------------------------------------------------------

    async def refresh_host(self) -> None:
        """Read capacity, images and runtime version (they change rarely)."""
        self._capacity = await self.runtime.capacity()
        images = await self.runtime.images()
        if images != self._images:
            self._images = images
            self.status_dirty = True
        if self.host is None:
            self.host = HostInfo(runtime_version=await self.runtime.version())
        image_gc = self.runtime.image_gc
        if image_gc is not None:
            pressure = await asyncio.to_thread(image_gc.housekeeping)
            if pressure != self.disk_pressure:
                log.warning("node %s: disk pressure %s", self.name, "on" if pressure else "gone")
                self.disk_pressure = pressure
                self.status_dirty = True

    def wanted_status(self) -> Obj:
        assert self.host is not None
        return desired_status(self.config, self._capacity, self.host, self._images,
                              {"DiskPressure": self.disk_pressure})

    async def register(self) -> Obj:
        """Create the Node, or adopt the one a previous run left (keeping its spec and extra labels)."""
        await self.refresh_host()
        status = self.wanted_status()
        try:
            node = await self.client.create(NODE, new_node(self.config, status))
            log.info("node %s registered", self.name)
        except ApiError as exc:
            if exc.code != 409:
                raise
            node = await self.client.get(NODE, self.name)
            patch = labels_patch(self.config, node)
            if patch is not None:
                node = await self.client.patch(NODE, self.name, patch)
            log.info("node %s already registered: adopted", self.name)
        self.observe_node(node)
        await self.report_status(force=True)
        # spread the 5-minute refreshes of nodes registered together over the period
        self._last_report -= random.uniform(0, STATUS_REFRESH_SECONDS)
        return self.node or node

    def observe_node(self, node: Obj) -> None:
        """The fleet's node informer saw this node change."""
        self.node = node
        cidr = str((node.get("spec") or {}).get("podCIDR") or "")
        if cidr and (self.ips is None or self.ips.cidr != cidr):
            self.ips = PodIPAllocator(cidr)
            log.info("node %s: podCIDR %s", self.name, cidr)
        if status_changed(node.get("status") or {}, self._stable_wanted()):
            self.status_dirty = True
        if disk_taint_patch(node, self.disk_pressure) is not None:
            self.status_dirty = True

    def _stable_wanted(self) -> Obj:
        return self.wanted_status() if self.host is not None else {}

    def status_due(self, now: float) -> bool:
        return self.status_dirty or now - self._last_report >= STATUS_REFRESH_SECONDS

    async def report_status(self, force: bool = False) -> bool:
        """PATCH nodes/<name>/status when it changed or is due; True when sent."""
        now = time.monotonic()
        if not force and not self.status_due(now):
            return False
        reported = (self.node or {}).get("status") or {}
        wanted = keep_transition_times(reported, self.wanted_status())
        node = await self.client.patch(NODE, self.name, {"status": wanted}, subresource="status")
        self.node = node
        self._last_report = now
        self.status_dirty = False
        patch = disk_taint_patch(node, self.disk_pressure)
        if patch is not None:
            try:
                self.node = await self.client.patch(NODE, self.name, patch)
            except ApiError as exc:
                if exc.code != 409:
                    raise
                self.status_dirty = True  # changed meanwhile: again on the next report
        return True

    # --- pods --------------------------------------------------------------------------------------

    def sandbox_for(self, pod: Obj) -> PodSandbox | None:
        """The pod's IP: the one it shows if still ours, else a fresh one; None until the node has a podCIDR."""
        spec = pod.get("spec") or {}
        if spec.get("hostNetwork"):
            return PodSandbox(self.name, self.config.node_ip, self.config.node_ip)
        if self.ips is None:
            return None
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        shown = str((pod.get("status") or {}).get("podIP") or "")
        ip = shown if shown and self.ips.occupy(uid, shown) else self.ips.allocate(uid)
        return PodSandbox(self.name, ip, self.config.node_ip, self.ips.cidr)

    async def sync_pod(self, pod: Obj) -> float | None:
        """Bring one pod bound here to its wanted state; returns when to look at it again."""
        meta = pod.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            self._start_termination(pod)
            return None
        if (pod.get("status") or {}).get("phase") in TERMINAL:
            self.admitted.discard(str(meta.get("uid", "")))
            return None  # finished: containers stay until the pod is deleted
        if not await self._admit(pod):
            return None
        try:
            sandbox = self.sandbox_for(pod)
        except PodCidrExhausted as exc:
            await self._patch_status(pod, {"phase": "Pending", "message": str(exc), "reason": "OutOfIPs"})
            return 10.0
        if sandbox is None:
            return WAIT_FOR_CIDR_SECONDS  # node IPAM has not assigned a podCIDR yet
        config = PodConfig()
        if self.runtime.needs_config:
            config = dataclasses.replace(await self.resolver.pod_config(pod, sandbox),
                                         pull_credentials=await self.pull_secrets.keyring(pod))
        await self.runtime.sync_pod(pod, sandbox, config)
        puller = self.runtime.puller
        if puller is not None and puller.changed:  # a pull brought an image: status.images shows it soon
            puller.changed = False
            await self.refresh_host()
        runtime_status = await self.runtime.pod_status(pod)
        wanted = build_pod_status(pod, runtime_status, sandbox)
        if status_differs(pod.get("status") or {}, wanted):
            await self._patch_status(pod, wanted)
        if wanted["phase"] in TERMINAL:
            return None
        return self.resync_seconds

    def admission(self, pod: Obj) -> str:
        """The kubelet's pod-count admission: "" when the pod may run here, else why not.
        A pod beyond --max-pods active pods is refused (the scheduler counts the same
        capacity, so only pods bound past it land here). A pod the node already started (its
        status shows a hostIP) stays admitted, so an agent restart never rejects what it ran."""
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        if uid in self.admitted:
            return ""
        if (pod.get("status") or {}).get("hostIP") or len(self.admitted) < self.config.max_pods:
            self.admitted.add(uid)
            return ""
        return (f"Node didn't have enough resource: pods, requested: 1, used: {len(self.admitted)}, "
                f"capacity: {self.config.max_pods}")

    async def _admit(self, pod: Obj) -> bool:
        """Admit the pod, or fail it with reason OutOfpods as the kubelet does."""
        message = self.admission(pod)
        if not message:
            return True
        log.info("pod %s rejected: %s", object_key(pod), message)
        if self.events is not None:
            self.events.emit(pod, "Warning", "OutOfpods", message, "")
        await self._patch_status(pod, {"phase": "Failed", "reason": "OutOfpods", "message": message})
        return False

    def _warn(self, pod: Obj, reason: str, message: str) -> None:
        if self.events is not None:
            self.events.emit(pod, "Warning", reason, message)

    async def _patch_status(self, pod: Obj, status: Obj) -> None:
        meta = pod.get("metadata") or {}
        try:
            await self.client.patch(POD, meta.get("name", ""), {"status": status}, meta.get("namespace"),
                                    subresource="status")
        except ApiError as exc:
            if exc.code not in (404, 409):  # gone or replaced meanwhile: the informer will tell
                raise

    def _start_termination(self, pod: Obj) -> None:
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        if uid in self._terminating:
            return
        task = asyncio.ensure_future(self._terminate(pod))
        self._terminating[uid] = task
        task.add_done_callback(lambda _t: self._terminating.pop(uid, None))

    async def _terminate(self, pod: Obj) -> None:
        """Stop the containers within the grace period (once the proxies have stopped sending
        them connections, or the gate gave up), then remove the pod from the API."""
        meta = pod.get("metadata") or {}
        uid = str(meta.get("uid", ""))
        grace = meta.get("deletionGracePeriodSeconds")
        if grace is None:
            grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
        grace = float(grace)
        if self.gate is not None:
            self._holding.add(uid)
            try:
                grace = max(0.0, grace - (await self.gate.hold(pod, grace)).waited)
            finally:
                self._holding.discard(uid)
        try:
            await self.runtime.stop_pod(uid, grace)
            self.admitted.discard(uid)
            if self.ips is not None:
                self.ips.release(uid)
            await self.client.delete(POD, meta.get("name", ""), meta.get("namespace"), grace_period_seconds=0,
                                     preconditions={"uid": uid})
            log.info("pod %s deleted after termination (grace %ss)", object_key(pod), grace)
        except ApiError as exc:
            if exc.code not in (404, 409):
                log.warning("pod %s: final delete failed: %s", object_key(pod), exc)
                self._retry_later(pod)
        except (ApiConnectionError, OSError) as exc:
            log.warning("pod %s: termination failed: %s", object_key(pod), exc)
            self._retry_later(pod)

    def _retry_later(self, pod: Obj) -> None:
        if self.on_pod_finished is not None:
            self.on_pod_finished(object_key(pod), 2.0)

    async def forget_pod(self, pod: Obj) -> None:
        """The pod is gone from the API (deleted with grace 0, or its node changed): drop its containers."""
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        if uid in self._terminating:
            if uid not in self._holding:
                return  # SIGTERM sent: the termination finishes what it started
            self._terminating[uid].cancel()  # deleted outright while held: no reason to wait any longer
        self.admitted.discard(uid)
        await self.runtime.stop_pod(uid, 0)
        if self.ips is not None:
            self.ips.release(uid)

    async def remove_orphans(self, live_uids: set[str]) -> int:
        """After a restart: stop pods the runtime holds that the API no longer has."""
        removed = 0
        for held in await self.runtime.list_pods():
            if held.uid not in live_uids:
                log.info("node %s: removing containers of vanished pod %s/%s", self.name, held.namespace, held.name)
                await self.runtime.stop_pod(held.uid, 0)
                removed += 1
            elif self.ips is not None and held.pod_ip:
                self.ips.occupy(held.uid, held.pod_ip)
        return removed

    async def wait_terminations(self) -> None:
        """Let started terminations finish; those still held are dropped (their containers are
        untouched), so the agent stops at once and its successor holds them again."""
        for uid in list(self._holding):
            task = self._terminating.get(uid)
            if task is not None:
                task.cancel()
        if self._terminating:
            await asyncio.gather(*list(self._terminating.values()), return_exceptions=True)
