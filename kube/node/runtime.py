"""The CRI-like interface between the node agent's core and a container runtime.

The core (kube/node/agent.py) decides *what* should run and reports status to the
API; a runtime only makes containers exist and says what they are doing. Whatever
needs the API to configure a container (ConfigMap/Secret keys, fieldRefs) the core
resolves first and hands over as a ready `PodConfig`: no runtime holds a client. Two
runtimes implement it: `simulated` (hollow pods, for thousands of nodes in one
process) and `docker` (real containers). Container states come back already in
Kubernetes' `containerStatuses` shape so the core can publish them as they are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kube.api.meta import Obj
from kube.node.pull_credentials import Keyring

if TYPE_CHECKING:
    from kube.node.image_gc import ImageGC
    from kube.node.image_puller import ImagePuller
    from kube.node.stats_summary import StatsSummary


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


class ContainerConfigError(Exception):
    """A container cannot be configured (e.g. a referenced ConfigMap key is missing): the runtime
    shows it as the container's waiting reason CreateContainerConfigError, as the kubelet does."""


@dataclass(frozen=True)
class ContainerConfig:
    """One container's environment, resolved and $(VAR)-expanded in order, or why it cannot be."""

    env: tuple[tuple[str, str], ...] = ()
    error: str = ""  # non-empty: the container must not start (CreateContainerConfigError)


@dataclass(frozen=True)
class PodConfig:
    """What the core read through the API for one sync of a pod, ready for the runtime."""

    containers: Mapping[str, ContainerConfig] = field(default_factory=dict)  # by container name
    # configMap/secret volume name -> its data (None: optional and missing)
    volume_data: Mapping[str, Mapping[str, str] | None] = field(default_factory=dict)
    volume_error: str = ""  # non-empty: a required volume source is missing; no container starts
    pull_credentials: Keyring = field(default_factory=Keyring)  # the pod's and its ServiceAccount's pull secrets

    def container(self, name: str) -> ContainerConfig:
        return self.containers.get(name) or ContainerConfig()


# Emits a Kubernetes Event about a pod: (pod, type, reason, message, fieldPath)
EventSink = Callable[[Obj, str, str, str, str], None]


class PodRuntime(Protocol):
    """What the core needs of a container runtime. Every method is idempotent."""

    name: str  # "simulated" | "docker"
    needs_config: bool  # False: sync_pod ignores the PodConfig, so the core reads nothing for it
    # What only some runtimes have, declared here and None where absent (the core and the node's
    # server read these; nothing probes a runtime for attributes):
    puller: ImagePuller | None  # pulls images; `changed` says a pull brought one
    image_gc: ImageGC | None  # image garbage collection and the disk-pressure verdict
    stats: StatsSummary | None  # container CPU/memory for /stats/summary (kubectl top)
    docker: Any  # the Docker SDK client behind exec, attach and port-forward; None without processes

    async def sync_pod(self, pod: Obj, sandbox: PodSandbox, config: PodConfig) -> None:
        """Make the pod's containers match its spec: create what is missing, run init
        containers in order, restart exited containers as restartPolicy and the back-off allow.
        `config` holds every container's resolved env and the pod's volume data."""

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

    async def latest_container_id(self, uid: str, container: str) -> str:
        """The runtime id of pod `uid`'s newest `container` ("" when there is none)."""

    async def close(self) -> None:
        """Release connections; containers keep running (a restarted agent re-adopts them)."""


# (namespace, pod name) -> (the pod, the runtime of the agent running it), or None: how the node's
# server finds what to exec into, attach to or forward to
PodAndRuntime = Callable[[str, str], "tuple[Obj, PodRuntime] | None"]
