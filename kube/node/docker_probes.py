"""Probe wiring of the docker runtime: one set of ProbeWorkers per container attempt.

Kept apart from kube/node/docker_runtime.py so the runtime reads as "make the
containers exist" while this file says what a probe verdict does there: exec
probes run through `docker exec`, a failed liveness/startup verdict stops the
container (the next sync starts a fresh attempt with fresh probes), readiness
only moves the container's `ready`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import docker

from kube.api.meta import Obj
from kube.node.docker_containers import Instance
from kube.node.probes import ProbeTarget, ProbeWorker

# (pod, type, reason, message, container name): the runtime's Event emitter
EmitFn = Callable[[Obj, str, str, str, str], None]
Workers = dict[str, list[ProbeWorker]]  # docker container id -> its probe workers


class DockerProbes:
    """Starts, stops and reads the probes of the containers of every pod on one docker node."""

    def __init__(self, docker_client: docker.DockerClient, emit: EmitFn) -> None:
        self.docker = docker_client
        self.emit = emit
        self._kills: set[asyncio.Task[None]] = set()

    def ensure(self, workers: Workers, pod_of: Callable[[], Obj], pod_ip: str, container: Obj,
               inst: Instance) -> None:
        """Start the container attempt's probes once (pod_of gives the pod as last synced)."""
        if inst.id in workers:
            return
        target = ProbeTarget(pod_ip, container, lambda cmd, timeout: self.exec(inst.id, cmd, timeout))
        name = str(container["name"])
        on_failure = self._on_failure(pod_of, name)
        on_verdict = self._on_verdict(pod_of, name, inst.id)
        started_workers: list[ProbeWorker] = []
        startup = None
        if container.get("startupProbe"):
            startup = ProbeWorker("startup", container["startupProbe"], target, lambda: True, on_failure, on_verdict)
            started_workers.append(startup)
        started = (lambda: startup.ok) if startup is not None else (lambda: True)
        for kind in ("liveness", "readiness"):
            spec = container.get(f"{kind}Probe")
            if spec:
                started_workers.append(ProbeWorker(kind, spec, target, started, on_failure, on_verdict))
        workers[inst.id] = started_workers
        for worker in started_workers:
            worker.start()

    @staticmethod
    def stop(workers: Workers, docker_id: str) -> None:
        for worker in workers.pop(docker_id, []):
            worker.stop()

    @staticmethod
    def stop_all(workers: Workers) -> None:
        for docker_id in list(workers):
            DockerProbes.stop(workers, docker_id)

    @staticmethod
    def ok(workers: Workers, docker_id: str, kind: str) -> bool:
        """The attempt's verdict for one probe kind (True when it has no such probe)."""
        return all(w.ok for w in workers.get(docker_id, []) if w.kind == kind)

    def _on_failure(self, pod_of: Callable[[], Obj], name: str) -> Callable[[str, str], None]:
        def failed(kind: str, message: str) -> None:
            self.emit(pod_of(), "Warning", "Unhealthy", f"{kind.capitalize()} probe failed: {message}", name)
        return failed

    def _on_verdict(self, pod_of: Callable[[], Obj], name: str, docker_id: str) -> Callable[[str, bool], None]:
        def verdict(kind: str, ok: bool) -> None:
            if ok or kind == "readiness":
                return
            pod = pod_of()
            self.emit(pod, "Normal", "Killing", f"Container {name} failed {kind} probe, will be restarted", name)
            grace = int((pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30))
            task = asyncio.ensure_future(asyncio.to_thread(self.stop_container, docker_id, grace))
            self._kills.add(task)
            task.add_done_callback(self._kills.discard)
        return verdict

    async def exec(self, docker_id: str, command: list[str], timeout: float) -> tuple[int, str]:
        """(exit code, output) of an exec probe's command inside the container."""
        def run() -> tuple[int, str]:
            exec_id = self.docker.api.exec_create(docker_id, command)["Id"]
            output = self.docker.api.exec_start(exec_id)
            return int(self.docker.api.exec_inspect(exec_id).get("ExitCode") or 0), output.decode(errors="replace")
        return await asyncio.wait_for(asyncio.to_thread(run), timeout)

    def stop_container(self, docker_id: str, grace: int) -> None:
        """SIGTERM, SIGKILL after grace seconds (blocking: run in a thread)."""
        try:
            self.docker.api.stop(docker_id, timeout=grace)
        except docker.errors.APIError:
            pass

    def close(self) -> None:
        for task in list(self._kills):
            task.cancel()
