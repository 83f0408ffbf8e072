"""The CRI-like interface between the node agent's core and a container runtime.

The core (kube/node/agent.py) decides *what* should run and reports status to the
API; a runtime only makes containers exist and says what they are doing. Two
runtimes implement it: `simulated` (hollow pods, for thousands of nodes in one
process) and `docker` (real containers). Container states come back already in
Kubernetes' `containerStatuses` shape so the core can publish them as they are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from kube.api.meta import Obj


@dataclass(frozen=True)
class PodSandbox:
    """What the core hands a runtime with a pod: where it runs and what it is called."""

    node_name: str
    pod_ip: str
    host_ip: str
    pod_cidr: str = ""  # the node's podCIDR (the runtime's pod network)


@dataclass
class PodRuntimeStatus:
    """A pod as its runtime sees it.

    `container_statuses` / `init_container_statuses` are Kubernetes ContainerStatus
    dicts (name, state, lastState, ready, started, restartCount, image, imageID,
    containerID). `exists` is False when the runtime knows nothing of the pod.
    """

    exists: bool
    container_statuses: list[Obj] = field(default_factory=list)
    init_container_statuses: list[Obj] = field(default_factory=list)
    # every container is gone for good (restartPolicy said not to restart): the pod is finished
    terminal: bool = False
    # a fatal pod-level problem (e.g. the sandbox could not be made), shown as the pod's message
    message: str = ""


@dataclass(frozen=True)
class RuntimePod:
    """A pod the runtime holds, found again after the agent restarts."""

    uid: str
    namespace: str
    name: str
    node_name: str
    pod_ip: str = ""


# Resolves a container's env (ConfigMap/Secret refs need the API): (pod, container) -> [{name, value}]
EnvResolver = Callable[[Obj, Obj, str], Awaitable[list[tuple[str, str]]]]
# Emits a Kubernetes Event about a pod: (pod, type, reason, message, fieldPath)
EventSink = Callable[[Obj, str, str, str, str], None]


class PodRuntime(Protocol):
    """What the core needs of a container runtime. Every method is idempotent."""

    name: str  # "simulated" | "docker"

    async def sync_pod(self, pod: Obj, sandbox: PodSandbox) -> None:
        """Make the pod's containers match its spec: create what is missing, run init
        containers in order, restart exited containers as restartPolicy and the back-off allow."""

    async def pod_status(self, pod: Obj) -> PodRuntimeStatus:
        """The pod's containers as they are now (cheap: called on every sync)."""

    async def stop_pod(self, uid: str, grace_seconds: float) -> None:
        """Stop every container of the pod (SIGTERM, SIGKILL after grace_seconds) and remove them."""

    async def list_pods(self) -> list[RuntimePod]:
        """Pods this runtime holds on this node (to re-adopt or clean up after a restart)."""

    def logs(self, pod: Obj, container: str, follow: bool, tail_lines: int | None) -> AsyncIterator[bytes]:
        """A container's output (stdout and stderr interleaved), optionally following it."""

    async def images(self) -> list[Obj]:
        """The images present, as Node status.images entries ({names: [...], sizeBytes})."""

    async def capacity(self) -> Obj:
        """Host resources: {"cpu": "4", "memory": "8010196Ki", "ephemeral-storage": ...}."""

    async def version(self) -> str:
        """containerRuntimeVersion for nodeInfo, e.g. docker://24.0.5."""

    async def close(self) -> None:
        """Release connections; containers keep running (a restarted agent re-adopts them)."""
