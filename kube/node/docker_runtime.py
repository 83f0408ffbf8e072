"""The docker runtime: real containers through the Docker SDK (blocking calls run in threads).

A pod is a pause container holding the network namespace (fixed IP on the node's
network) plus its init containers, run to completion in order, and its app
containers joined to it. Exited containers restart as restartPolicy says, with
the kubelet's back-off; probes run per container attempt. Images are pulled as the pod's
imagePullPolicy says (kube/node/image_puller.py).
Env and volume data come ready from the agent (PodConfig): this runtime never talks
to the API. State worth keeping across an agent restart is in container labels.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import docker
from docker.types import EndpointConfig

from kube.api.meta import Obj
from kube.node.container_config import (
    L_KIND,
    L_NAMESPACE,
    L_NODE,
    L_POD,
    L_POD_IP,
    L_UID,
    container_create_args,
    pause_create_args,
    pod_labels,
)
from kube.node.docker_containers import Instance, container_status, epoch, precise_epoch
from kube.node.docker_logs import container_log_stream
from kube.node.docker_network import PodNetworkError, ensure_network, network_name
from kube.node.docker_probes import DockerProbes
from kube.node.events import EventRecorder
from kube.node.image_gc import ImageGC, statvfs_reader
from kube.node.image_puller import ImagePuller
from kube.node.pod_dns import ClusterDNS, resolv_conf_bind, write_pod_resolv_conf
from kube.node.pod_volumes import container_binds, prepare_volumes, refresh_projected, remove_pod_dir
from kube.node.probes import ProbeWorker
from kube.node.restart_backoff import RestartBackoff
from kube.node.runtime import ContainerConfigError, PodConfig, PodRuntimeStatus, PodSandbox, RuntimePod
from kube.node.stats_summary import StatsSummary

log = logging.getLogger("kube.node.docker")


class DockerUnavailable(Exception):
    """dockerd cannot be reached."""


@dataclass
class _PodState:
    pod: Obj
    sandbox: PodSandbox | None = None
    config: PodConfig = field(default_factory=PodConfig)
    volumes: dict[str, str] | None = None
    waiting: dict[str, tuple[str, str]] = field(default_factory=dict)
    probes: dict[str, list[ProbeWorker]] = field(default_factory=dict)  # docker id -> workers
    announced: set[str] = field(default_factory=set)  # docker ids whose Started event went out
    pause_error: str = ""


def _spec_containers(pod: Obj, key: str) -> list[Obj]:
    return [c for c in (pod.get("spec") or {}).get(key) or [] if isinstance(c, dict)]


def _sandbox_started(attempts: dict[str, list[Instance]]) -> float:
    """When the pod's current pause container started (0 when it has none)."""
    pause = (attempts.get("POD") or [None])[-1]
    return precise_epoch(pause.started_at) if pause is not None and pause.ever_started else 0.0


def _init_completed(inst: Instance, sandbox_started: float) -> bool:
    """An init container attempt succeeded in the current sandbox (a new sandbox runs them again)."""
    return (not inst.running and inst.exit_code == 0 and inst.ever_started
            and precise_epoch(inst.finished_at) >= sandbox_started)


class DockerRuntime:
    name = "docker"
    needs_config = True

    def __init__(self, node_name: str, root_dir: str, events: EventRecorder | None = None, *,
                 docker_client: docker.DockerClient | None = None, pull_backoff: tuple[float, float] | None = None,
                 ) -> None:
        self.node_name = node_name
        self.root_dir = root_dir
        self.events = events
        try:
            self.docker = docker_client or docker.from_env(timeout=120)
            self.api_version = self.docker.version()["ApiVersion"]
        except docker.errors.DockerException as exc:
            raise DockerUnavailable(f"cannot reach dockerd: {exc}") from None
        self.backoff = RestartBackoff()
        self._pods: dict[str, _PodState] = {}
        self.probes = DockerProbes(self.docker, self._event)
        initial, cap = pull_backoff or (10.0, 300.0)  # the kubelet's image pull back-off
        self.puller = ImagePuller(self.docker, self._event, backoff_initial=initial, backoff_cap=cap)
        docker_root = str(self.docker.info().get("DockerRootDir") or "/var/lib/docker")
        self.image_gc = ImageGC(self.docker, statvfs_reader(docker_root), statvfs_reader(root_dir))
        self.stats = StatsSummary(self.docker, node_name)  # /stats/summary (kube/node/stats_server.py)
        self.cluster_dns = ClusterDNS()  # --cluster-dns and --cluster-domain: each pod's /etc/resolv.conf (pod_dns.py)
        self.pod_mtu: int | None = None  # the pod network's MTU (overlay), None: Docker's default

    # --- helpers -----------------------------------------------------------------------------------

    def _event(self, pod: Obj, kind: str, reason: str, message: str, container: str = "") -> None:
        if self.events is not None:
            self.events.emit(pod, kind, reason, message, f"spec.containers{{{container}}}" if container else "")

    async def _instances(self, uid: str) -> dict[str, list[Instance]]:
        def read() -> list[Instance]:
            found = []
            for summary in self.docker.api.containers(all=True, filters={"label": f"{L_UID}={uid}"}):
                try:
                    found.append(Instance.from_inspect(self.docker.api.inspect_container(summary["Id"])))
                except docker.errors.NotFound:
                    continue
            return found

        by_name: dict[str, list[Instance]] = {}
        for inst in await asyncio.to_thread(read):
            by_name.setdefault(inst.name, []).append(inst)
        for attempts in by_name.values():
            attempts.sort(key=lambda i: i.restarts)
        return by_name

    # --- sync --------------------------------------------------------------------------------------

    async def sync_pod(self, pod: Obj, sandbox: PodSandbox, config: PodConfig) -> None:
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        state = self._pods.setdefault(uid, _PodState(pod))
        state.pod, state.sandbox, state.config = pod, sandbox, config
        attempts = await self._instances(uid)
        pause = (attempts.get("POD") or [None])[-1]
        policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
        if pause is None or not pause.running:
            if pause is not None and any(i.kind != "pause" for tries in attempts.values() for i in tries):
                # the sandbox died under running containers: kill them all and start over, as the
                # kubelet does; with restartPolicy Never the pod is not started again
                await self._sandbox_lost(state, attempts)
                if policy == "Never":
                    return
            if not await self._start_pause(state, pause):
                return
            attempts = await self._instances(uid)
        sandbox_started = _sandbox_started(attempts)
        if state.volumes is None:
            try:
                if config.volume_error:
                    raise ContainerConfigError(config.volume_error)
                state.volumes = prepare_volumes(pod, self.root_dir, config.volume_data)
            except (ContainerConfigError, OSError) as exc:
                for c in _spec_containers(pod, "initContainers") + _spec_containers(pod, "containers"):
                    state.waiting[c["name"]] = ("CreateContainerConfigError", str(exc))
                return
        elif not config.volume_error:
            refresh_projected(pod, state.volumes, config.volume_data)  # a renewed token, a changed ca.crt
        for container in _spec_containers(pod, "initContainers"):
            tries = attempts.get(container["name"]) or []
            latest = tries[-1] if tries else None
            if latest is not None and _init_completed(latest, sandbox_started):
                continue  # done in this sandbox: on to the next one
            if latest is None or not latest.running:
                if latest is not None and policy == "Never":
                    return  # failed for good: the pod fails
                await self._run_container(state, container, "init", latest)
            return  # one init container at a time
        for container in _spec_containers(pod, "containers"):
            tries = attempts.get(container["name"]) or []
            latest = tries[-1] if tries else None
            if latest is not None and latest.running:
                assert state.sandbox is not None
                self.probes.ensure(state.probes, lambda: state.pod, state.sandbox.pod_ip, container, latest)
                continue
            if latest is not None:
                self.probes.stop(state.probes, latest.id)
                if policy == "Never" or (policy == "OnFailure" and latest.exit_code == 0 and latest.ever_started):
                    continue
            await self._run_container(state, container, "app", latest)
            await asyncio.to_thread(self._prune, tries)

    async def _sandbox_lost(self, state: _PodState, attempts: dict[str, list[Instance]]) -> None:
        """Stop every container still running in a dead sandbox (they restart in the new one)."""
        self._event(state.pod, "Normal", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
        self.probes.stop_all(state.probes)
        grace = int((state.pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30))
        running = [i for tries in attempts.values() for i in tries if i.running and i.kind != "pause"]
        for inst in running:
            self._event(state.pod, "Normal", "Killing", f"Stopping container {inst.name}", inst.name)
        await asyncio.gather(*(asyncio.to_thread(self.probes.stop_container, i.id, grace) for i in running))

    async def _start_pause(self, state: _PodState, old: Instance | None) -> bool:
        pod, sandbox = state.pod, state.sandbox
        assert sandbox is not None
        labels = pod_labels(pod, self.node_name, self.root_dir, sandbox.pod_ip)

        def make() -> None:
            if old is not None:
                self.docker.api.remove_container(old.id, force=True)
            args = pause_create_args(pod, network_name(self.node_name), labels)
            if "network" in args:
                ensure_network(self.docker, self.node_name, sandbox.pod_cidr, self.root_dir, self.pod_mtu)
                args["networking_config"] = {args["network"]: EndpointConfig(self.api_version,
                                                                             ipv4_address=sandbox.pod_ip)}
            self.docker.containers.create(**args).start()

        try:
            await asyncio.to_thread(make)
        except (docker.errors.APIError, PodNetworkError) as exc:
            message = str(getattr(exc, "explanation", None) or exc)
            state.pause_error = f"failed to create the pod sandbox: {message}"
            self._event(pod, "Warning", "FailedCreatePodSandBox", state.pause_error)
            return False
        state.pause_error = ""
        return True

    async def _run_container(self, state: _PodState, container: Obj, kind: str, latest: Instance | None) -> None:
        pod, name = state.pod, str(container["name"])
        uid = str(pod["metadata"].get("uid", ""))
        key = f"{uid}/{name}"
        restarts = 0
        if latest is not None:
            wait = self.backoff.remaining(key, epoch(latest.finished_at), time.time())
            if wait > 0:
                delay = self.backoff.current(key)
                message = f"back-off {delay:g}s restarting failed container={name} pod={pod['metadata']['name']}" \
                          f"_{pod['metadata'].get('namespace')}({uid})"
                if state.waiting.get(name, ("",))[0] != "CrashLoopBackOff":
                    self._event(pod, "Warning", "BackOff", "Back-off restarting failed container", name)
                state.waiting[name] = ("CrashLoopBackOff", message)
                return
            self.backoff.restarted(key, max(0.0, epoch(latest.finished_at) - epoch(latest.started_at)))
            restarts = latest.restarts + 1
        problem = await self.puller.ensure(pod, container, state.config.pull_credentials)
        if problem is not None:
            state.waiting[name] = problem
            return
        try:
            assert state.sandbox is not None and state.volumes is not None
            ready = state.config.container(name)
            if ready.error:
                raise ContainerConfigError(ready.error)
            env = list(ready.env)
            binds = container_binds(container, state.volumes)
            binds.append(resolv_conf_bind(write_pod_resolv_conf(pod, self.cluster_dns, self.root_dir)))
        except ContainerConfigError as exc:
            state.waiting[name] = ("CreateContainerConfigError", str(exc))
            self._event(pod, "Warning", "Failed", f"Error: {exc}", name)
            return
        pause_id = (await self._instances_of(uid, "POD"))
        labels = pod_labels(pod, self.node_name, self.root_dir, state.sandbox.pod_ip)
        args = container_create_args(pod, container, kind=kind, restarts=restarts, pause_id=pause_id, env=env,
                                     binds=binds, labels=labels)
        try:
            created = await asyncio.to_thread(self.docker.containers.create, **args)
            self._event(pod, "Normal", "Created", f"Created container {name}", name)
            await asyncio.to_thread(created.start)
            self._event(pod, "Normal", "Started", f"Started container {name}", name)
        except docker.errors.APIError as exc:
            message = str(exc.explanation or exc)
            self._event(pod, "Warning", "Failed", f"Error: {message}", name)
            if "Conflict" in message or exc.status_code == 409:
                return  # created meanwhile by an earlier sync: the next sync sees it
        state.waiting.pop(name, None)

    async def _instances_of(self, uid: str, name: str) -> str:
        attempts = (await self._instances(uid)).get(name) or []
        return attempts[-1].id if attempts else ""

    def _prune(self, attempts: list[Instance]) -> None:
        """Keep the newest two attempts (state and lastState); remove older ones."""
        for old in attempts[:-1]:
            try:
                self.docker.api.remove_container(old.id, force=True)
            except docker.errors.APIError:
                pass

    # --- status ------------------------------------------------------------------------------------

    async def pod_status(self, pod: Obj) -> PodRuntimeStatus:
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        attempts = await self._instances(uid)
        state = self._pods.get(uid)
        if not attempts and state is None:
            return PodRuntimeStatus(exists=False)
        waiting = state.waiting if state is not None else {}
        init_statuses = []
        sandbox_started = _sandbox_started(attempts)
        for container in _spec_containers(pod, "initContainers"):
            tries = attempts.get(container["name"]) or []
            status = container_status(container, tries, waiting.get(container["name"]), ready=False, started=False)
            if tries and _init_completed(tries[-1], sandbox_started):
                status["ready"] = True
            elif not tries and container["name"] not in waiting:
                status["state"] = {"waiting": {"reason": "PodInitializing"}}
            init_statuses.append(status)
        statuses = []
        init_pending = any(not s.get("ready") for s in init_statuses)
        for container in _spec_containers(pod, "containers"):
            tries = attempts.get(container["name"]) or []
            docker_id = tries[-1].id if tries else ""
            started = state is None or self.probes.ok(state.probes, docker_id, "startup")
            ready = started and (state is None or self.probes.ok(state.probes, docker_id, "readiness"))
            if state is not None and container.get("readinessProbe") and docker_id not in state.probes:
                ready = False
            status = container_status(container, tries, waiting.get(container["name"]), ready, started)
            if not tries and init_pending and container["name"] not in waiting:
                status["state"] = {"waiting": {"reason": "PodInitializing"}}
            statuses.append(status)
        await asyncio.to_thread(self._show_image_ids, attempts, [*init_statuses, *statuses])
        message = state.pause_error if state is not None else ""
        return PodRuntimeStatus(exists=True, container_statuses=statuses, init_container_statuses=init_statuses,
                                message=message)

    def _show_image_ids(self, attempts: dict[str, list[Instance]], statuses: list[Obj]) -> None:
        """imageID from the digest the image was pulled by (kube/node/image_puller.py)."""
        for status in statuses:
            tries = attempts.get(status["name"]) or []
            if tries:
                status["imageID"] = self.puller.image_id(tries[-1].image_id, str(status.get("image", "")))

    # --- stop --------------------------------------------------------------------------------------

    async def stop_pod(self, uid: str, grace_seconds: float) -> None:
        state = self._pods.pop(uid, None)
        if state is not None:
            self.probes.stop_all(state.probes)
        attempts = await self._instances(uid)
        running = [i for tries in attempts.values() for i in tries if i.running and i.kind != "pause"]
        if state is not None:
            for inst in running:
                self._event(state.pod, "Normal", "Killing", f"Stopping container {inst.name}", inst.name)
        grace = max(0, int(round(grace_seconds)))
        await asyncio.gather(*(asyncio.to_thread(self.probes.stop_container, i.id, grace) for i in running))

        def remove_all() -> None:
            for tries in attempts.values():
                for inst in tries:
                    try:
                        self.docker.api.remove_container(inst.id, force=True)
                    except docker.errors.APIError:
                        pass
            remove_pod_dir(self.root_dir, uid)

        await asyncio.to_thread(remove_all)
        self.backoff.forget_prefix(f"{uid}/")
        self.puller.forget_pod(uid)

    async def list_pods(self) -> list[RuntimePod]:
        def read() -> list[RuntimePod]:
            found = {}
            filters = {"label": [f"{L_NODE}={self.node_name}", f"{L_KIND}=pause"]}
            for summary in self.docker.api.containers(all=True, filters=filters):
                labels = summary.get("Labels") or {}
                uid = labels.get(L_UID, "")
                found[uid] = RuntimePod(uid, labels.get(L_NAMESPACE, ""), labels.get(L_POD, ""), self.node_name,
                                        labels.get(L_POD_IP, ""))
            return list(found.values())
        return await asyncio.to_thread(read)

    # --- node-level --------------------------------------------------------------------------------

    def logs(self, pod: Obj, container: str, follow: bool, tail_lines: int | None) -> AsyncIterator[bytes]:
        uid = str((pod.get("metadata") or {}).get("uid", ""))
        return container_log_stream(self, uid, container, follow, tail_lines)

    async def latest_container_id(self, uid: str, container: str) -> str:
        return await self._instances_of(uid, container)

    async def images(self) -> list[Obj]:
        def read() -> list[Obj]:
            out = []
            for image in self.docker.api.images():
                names = [t for t in image.get("RepoTags") or [] if t and t != "<none>:<none>"]
                if names:  # the digests pulled by, then the tags, as the kubelet lists them
                    digests = [d for d in image.get("RepoDigests") or [] if d and not d.startswith("<none>")]
                    out.append({"names": [*digests, *names, image.get("Id", "")],
                                "sizeBytes": int(image.get("Size") or 0)})
            return sorted(out, key=lambda i: -i["sizeBytes"])[:50]
        return await asyncio.to_thread(read)

    async def capacity(self) -> Obj:
        info = await asyncio.to_thread(self.docker.info)
        disk = shutil.disk_usage(self.root_dir if shutil.os.path.isdir(self.root_dir) else "/")
        return {"cpu": str(info.get("NCPU", 1)), "memory": f"{int(info.get('MemTotal', 0)) // 1024}Ki",
                "ephemeral-storage": f"{disk.total // 1024}Ki"}

    async def version(self) -> str:
        info = await asyncio.to_thread(self.docker.version)
        return f"docker://{info.get('Version', 'unknown')}"

    async def close(self) -> None:
        for state in self._pods.values():
            self.probes.stop_all(state.probes)
        self.probes.close()
        await asyncio.to_thread(self.docker.close)
