"""The simulated runtime: hollow pods that start at once and run until deleted (as KWOK).

Nothing runs; a pod is a few timestamps. Init containers complete at once, app
containers are running and ready. A pod whose API status already shows running
containers (the agent restarted) is adopted as it is, so re-adoption writes
nothing and restart counts do not move. A container whose command reads as a
simple script (`sh -c 'sleep 1; exit 3'`, see simulated_script.py) terminates
when its sleeps have passed, with its exit code; the restart policy then decides
(OnFailure / Always restart it after the kubelet's crash-loop back-off, 10 s doubling).
`wake(pod key, seconds)` asks the agent to look at the pod again when that happens.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kube.api.meta import Obj, now_rfc3339, object_key
from kube.node.runtime import PodConfig, PodRuntimeStatus, PodSandbox, RuntimePod
from kube.node.simulated_script import Run, scripted_run

SIMULATED_CAPACITY = {"cpu": "32", "memory": "256Gi", "ephemeral-storage": "100Gi"}


@dataclass
class _HollowPod:
    namespace: str
    name: str
    pod_ip: str
    containers: dict[str, Obj] = field(default_factory=dict)
    init_containers: list[Obj] = field(default_factory=list)
    runs: dict[str, tuple[Run, float]] = field(default_factory=dict)  # scripted containers: run, started (epoch)
    restart_policy: str = "Always"
    output: dict[str, tuple[str, ...]] = field(default_factory=dict)  # what scripted containers echo


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
    puller = None  # hollow containers need no images,
    image_gc = None  # keep none,
    stats = None  # use no CPU,
    docker = None  # and run no processes to exec into or forward to

    def __init__(self, node_name: str, capacity: Obj | None = None) -> None:
        self.node_name = node_name
        self._capacity = dict(capacity or SIMULATED_CAPACITY)
        self._pods: dict[str, _HollowPod] = {}
        self.wake: Callable[[str, float], None] | None = None  # the agent's "sync this pod again in N s"
        self.clock: Callable[[], float] = time.time

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
            adopted = old is not None and "running" in (old.get("state") or {})
            if adopted:
                hollow.containers[container.get("name", "")] = old  # adopt as the API shows it
            else:
                hollow.containers[container.get("name", "")] = _running(uid, container, now)
            run = scripted_run(container)
            if run is not None:
                shown_start = _epoch(((old or {}).get("state") or {}).get("running", {}).get("startedAt"))
                started = shown_start if adopted and shown_start is not None else self.clock()
                hollow.runs[container.get("name", "")] = (run, started)
                hollow.output[container.get("name", "")] = run.output
        hollow.restart_policy = str(spec.get("restartPolicy") or "Always")
        shown_init = {s.get("name"): s for s in (pod.get("status") or {}).get("initContainerStatuses") or []}
        for container in spec.get("initContainers") or []:
            hollow.init_containers.append(shown_init.get(container.get("name")) or _completed(uid, container, now))
        self._pods[uid] = hollow
        self._advance(hollow, object_key(pod))

    async def pod_status(self, pod: Obj) -> PodRuntimeStatus:
        hollow = self._pods.get(str((pod.get("metadata") or {}).get("uid", "")))
        if hollow is None:
            return PodRuntimeStatus(exists=False)
        self._advance(hollow, object_key(pod))
        return PodRuntimeStatus(exists=True, container_statuses=list(hollow.containers.values()),
                                init_container_statuses=list(hollow.init_containers))

    async def stop_pod(self, uid: str, grace_seconds: float) -> None:
        self._pods.pop(uid, None)  # hollow containers stop at once on SIGTERM

    async def list_pods(self) -> list[RuntimePod]:
        return [RuntimePod(uid, p.namespace, p.name, self.node_name, p.pod_ip) for uid, p in self._pods.items()]

    async def logs(self, pod: Obj, container: str, follow: bool, tail_lines: int | None) -> AsyncIterator[bytes]:
        name = (pod.get("metadata") or {}).get("name", "")
        hollow = self._pods.get(str((pod.get("metadata") or {}).get("uid", "")))
        lines = hollow.output.get(container) if hollow is not None else None
        if lines:
            for line in lines:
                yield f"{line}\n".encode()
            return
        yield f"simulated container {container} of pod {name} on {self.node_name} writes no output\n".encode()

    async def images(self) -> list[Obj]:
        return []

    async def capacity(self) -> Obj:
        return dict(self._capacity)

    async def version(self) -> str:
        return "simulated://0.1.0"

    async def latest_container_id(self, uid: str, container: str) -> str:
        return ""  # hollow containers have no runtime id

    async def close(self) -> None:
        self._pods.clear()

    def __len__(self) -> int:
        return len(self._pods)

    def _advance(self, hollow: _HollowPod, key: str) -> None:
        """Move scripted containers on to where the clock says they are; wake the agent at the next change."""
        now = self.clock()
        soonest: float | None = None
        for name, (run, started) in list(hollow.runs.items()):
            status = hollow.containers[name]
            end = started + run.seconds
            if "running" in (status.get("state") or {}) and now < end:
                soonest = end if soonest is None else min(soonest, end)
                continue
            if "running" in (status.get("state") or {}):
                status["state"] = {"terminated": {
                    "exitCode": run.exit_code, "reason": "Completed" if run.exit_code == 0 else "Error",
                    "startedAt": _stamp(started), "finishedAt": _stamp(end), "containerID": status["containerID"]}}
                status["ready"], status["started"] = False, False
            restarts = hollow.restart_policy == "Always" or (hollow.restart_policy == "OnFailure" and run.exit_code)
            if not restarts:
                hollow.runs.pop(name)
                continue
            finished = _epoch(status["state"]["terminated"]["finishedAt"]) or now
            again = finished + min(10.0 * 2 ** status.get("restartCount", 0), 300.0)
            if now < again:
                soonest = again if soonest is None else min(soonest, again)
                continue
            status.update(lastState={"terminated": status["state"]["terminated"]}, ready=True, started=True,
                          restartCount=int(status.get("restartCount", 0)) + 1,
                          state={"running": {"startedAt": _stamp(again)}})
            hollow.runs[name] = (run, again)
            soonest = again + run.seconds if soonest is None else min(soonest, again + run.seconds)
        if soonest is not None and self.wake is not None:
            self.wake(key, max(soonest - now, 0.0) + 0.05)


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(text: object) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
