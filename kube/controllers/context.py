"""What every controller loop shares in one controller-manager process: the client,
the shared informers, the executor, the options and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kube.client.informer import SharedInformerFactory
from kube.client.rest import RestClient
from kube.controllers.events import EventRecorder
from kube.controllers.executor import Executor


@dataclass
class ControllerOptions:
    cluster_cidr: str = "10.244.0.0/16"
    node_cidr_mask_size: int = 24
    allocate_node_cidrs: bool = True
    node_monitor_grace_period: float = 40.0
    node_monitor_period: float = 5.0
    default_toleration_seconds: int = 300
    pod_gc_period: float = 20.0
    terminated_pod_gc_threshold: int = 12500
    concurrent_deployment_syncs: int = 5
    concurrent_replicaset_syncs: int = 5
    concurrent_endpoint_syncs: int = 5
    concurrent_job_syncs: int = 5
    concurrent_cron_job_syncs: int = 5
    max_endpoints_per_slice: int = 100  # Kubernetes' default; 1..1000
    concurrent_gc_syncs: int = 1
    namespace_sync_period: float = 1.0
    job_backoff_base: float = 10.0  # a Job's pod back-off: base * 2^(failures-1), capped (Kubernetes: 10 s, 6 min)
    job_backoff_cap: float = 360.0
    engine: str = "auto"
    # csrsigning (kube/controllers/certificates/): the CA it signs with; none given, it signs nothing
    cluster_signing_cert_file: str = ""
    cluster_signing_key_file: str = ""
    cluster_signing_duration: float = 8760 * 3600.0  # the longest certificate it issues (Kubernetes: 8760h)


@dataclass
class Context:
    client: RestClient
    factory: SharedInformerFactory
    options: ControllerOptions = field(default_factory=ControllerOptions)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    executor: Executor = field(init=False)
    recorders: dict[str, EventRecorder] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.executor = Executor(self.client)

    def recorder(self, component: str) -> EventRecorder:
        """The Event recorder for one controller, named as Kubernetes names its source
        (`replicaset-controller`, `deployment-controller`, `node-controller`, ...)."""
        if component not in self.recorders:
            self.recorders[component] = EventRecorder(self.client, component)
        return self.recorders[component]

    async def flush_events(self, timeout: float = 10.0) -> None:
        for recorder in list(self.recorders.values()):
            await recorder.flush(timeout)
