"""The simulated runtime: hollow pods that start at once and run until deleted (as KWOK).

Nothing runs; a pod is a few timestamps. Init containers complete at once, app
containers are running and ready. A pod whose API status already shows running
containers (the agent restarted) is adopted as it is, so re-adoption writes
nothing and restart counts do not move.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from kube.api.meta import Obj, now_rfc3339
from kube.node.runtime import PodConfig, PodRuntimeStatus, PodSandbox, RuntimePod

SIMULATED_CAPACITY = {"cpu": "32", "memory": "256Gi", "ephemeral-storage": "100Gi"}


@dataclass
class _HollowPod:
    namespace: str
    name: str
    pod_ip: str
    containers: dict[str, Obj] = field(default_factory=dict)
    init_containers: list[Obj] = field(default_factory=list)


def _container_id(uid: str, name: str) -> str:
    return f"simulated://{uid[:12]}-{name}"


def _running(uid: str, container: Obj, started: str) -> Obj:
    name = container.get("name", "")
    return {"name": name, "state": {"running": {"startedAt": started}}, "lastState": {}, "ready": True,
            "started": True, "restartCount": 0, "image": container.get("image", ""),
            "imageID": f"simulated://{container.get('image', '')}", "containerID": _container_id(uid, name)}


def _completed(uid: str, container: Obj, at: str) -> Obj:
    name = container.get("name", "")
    return {"name": name, "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": at,
                                                   "finishedAt": at, "containerID": _container_id(uid, name)}},
            "lastState": {}, "ready": True, "started": False, "restartCount": 0, "image": container.get("image", ""),
            "imageID": f"simulated://{container.get('image', '')}", "containerID": _container_id(uid, name)}


class SimulatedRuntime:
    name = "simulated"
    needs_config = False  # hollow containers have no environment or volumes

    def __init__(self, node_name: str, capacity: Obj | None = None) -> None:
        self.node_name = node_name
        self._capacity = dict(capacity or SIMULATED_CAPACITY)
        self._pods: dict[str, _HollowPod] = {}

    async def sync_pod(self, pod: Obj, sandbox: PodSandbox, config: PodConfig) -> None:
        meta = pod.get("metadata") or {}
        uid = str(meta.get("uid", ""))
        if uid in self._pods:
            return
        spec = pod.get("spec") or {}
        shown = {s.get("name"): s for s in (pod.get("status") or {}).get("containerStatuses") or []}
        now = now_rfc3339()
        hollow = _HollowPod(str(meta.get("namespace", "default")), str(meta.get("name", "")), sandbox.pod_ip)
        for container in spec.get("containers") or []:
            old = shown.get(container.get("name"))
            if old is not None and "running" in (old.get("state") or {}):
                hollow.containers[container.get("name", "")] = old  # adopt as the API shows it
            else:
                hollow.containers[container.get("name", "")] = _running(uid, container, now)
        shown_init = {s.get("name"): s for s in (pod.get("status") or {}).get("initContainerStatuses") or []}
        for container in spec.get("initContainers") or []:
            hollow.init_containers.append(shown_init.get(container.get("name")) or _completed(uid, container, now))
        self._pods[uid] = hollow

    async def pod_status(self, pod: Obj) -> PodRuntimeStatus:
        hollow = self._pods.get(str((pod.get("metadata") or {}).get("uid", "")))
        if hollow is None:
            return PodRuntimeStatus(exists=False)
        return PodRuntimeStatus(exists=True, container_statuses=list(hollow.containers.values()),
                                init_container_statuses=list(hollow.init_containers))

    async def stop_pod(self, uid: str, grace_seconds: float) -> None:
        self._pods.pop(uid, None)  # hollow containers stop at once on SIGTERM

    async def list_pods(self) -> list[RuntimePod]:
        return [RuntimePod(uid, p.namespace, p.name, self.node_name, p.pod_ip) for uid, p in self._pods.items()]

    async def logs(self, pod: Obj, container: str, follow: bool, tail_lines: int | None) -> AsyncIterator[bytes]:
        name = (pod.get("metadata") or {}).get("name", "")
        yield f"simulated container {container} of pod {name} on {self.node_name} writes no output\n".encode()

    async def images(self) -> list[Obj]:
        return []

    async def capacity(self) -> Obj:
        return dict(self._capacity)

    async def version(self) -> str:
        return "simulated://0.1.0"

    async def close(self) -> None:
        self._pods.clear()

    def __len__(self) -> int:
        return len(self._pods)
