"""Run a set of controllers in one process over shared informers."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CollectorRegistry

from kube.client.informer import SharedInformerFactory
from kube.client.rest import RestClient
from kube.controllers.context import Context, ControllerOptions
from kube.controllers.loop import ControllerLoop
from kube.controllers.metrics import report

log = logging.getLogger("kube.controllers")


def controller_types() -> dict[str, type[ControllerLoop]]:
    """Controller names as kube-controller-manager's --controllers spells them."""
    from kube.controllers.certificates.approver import ApprovingController
    from kube.controllers.certificates.cleaner import CleanerController
    from kube.controllers.certificates.signer import SigningController
    from kube.controllers.certificates.token_cleaner import TokenCleaner
    from kube.controllers.clusterrole_aggregation import ClusterRoleAggregationController
    from kube.controllers.cronjob.controller import CronJobController
    from kube.controllers.daemonset.controller import DaemonSetController
    from kube.controllers.deployment.controller import DeploymentController
    from kube.controllers.endpoints import EndpointsController
    from kube.controllers.endpointslice.controller import EndpointSliceController
    from kube.controllers.endpointslice.mirroring import EndpointSliceMirroringController
    from kube.controllers.garbage_collector import GarbageCollectorController
    from kube.controllers.job.controller import JobController
    from kube.controllers.job.ttl import TTLAfterFinishedController
    from kube.controllers.namespace import NamespaceController
    from kube.controllers.node_ipam import NodeIpamController
    from kube.controllers.node_lifecycle import NodeLifecycleController
    from kube.controllers.podgc import PodGCController
    from kube.controllers.replicaset import ReplicaSetController
    from kube.controllers.replication_controller import ReplicationControllerController
    from kube.controllers.root_ca_publisher import RootCAPublisher
    from kube.controllers.serviceaccounts import ServiceAccountsController

    return {"deployment": DeploymentController, "replicaset": ReplicaSetController,
            "endpoints": EndpointsController, "endpointslice": EndpointSliceController,
            "endpointslicemirroring": EndpointSliceMirroringController,
            "nodelifecycle": NodeLifecycleController, "podgc": PodGCController,
            "garbagecollector": GarbageCollectorController, "namespace": NamespaceController,
            "nodeipam": NodeIpamController, "replicationcontroller": ReplicationControllerController,
            "daemonset": DaemonSetController,
            "job": JobController, "cronjob": CronJobController, "ttl-after-finished": TTLAfterFinishedController,
            "clusterrole-aggregation": ClusterRoleAggregationController,
            "serviceaccount": ServiceAccountsController, "root-ca-cert-publisher": RootCAPublisher,
            "csrapproving": ApprovingController, "csrsigning": SigningController, "tokencleaner": TokenCleaner,
            "csrcleaner": CleanerController}


def select_controllers(spec: list[str]) -> list[str]:
    """--controllers: '*' is all; 'name' enables, '-name' disables (as Kubernetes)."""
    known = controller_types()
    chosen: list[str] = []
    disabled = set()
    for item in spec or ["*"]:
        item = item.strip()
        if item == "*":
            chosen.extend(n for n in known if n not in chosen)
        elif item.startswith("-"):
            disabled.add(item[1:])
        elif item:
            chosen.append(item)
    unknown = [n for n in [*chosen, *disabled] if n not in known]
    if unknown:
        raise ValueError(f"unknown controller {unknown[0]!r}; known: {', '.join(known)}")
    return [n for n in dict.fromkeys(chosen) if n not in disabled]


class ControllerManager:
    def __init__(self, client: RestClient, names: list[str] | None = None,
                 options: ControllerOptions | None = None, *, registry: CollectorRegistry | None = None) -> None:
        self.ctx = Context(client, SharedInformerFactory(client), options or ControllerOptions())
        types = controller_types()
        self.names = select_controllers(names or ["*"])
        if "nodeipam" in self.names and not self.ctx.options.allocate_node_cidrs:
            self.names.remove("nodeipam")
        self.controllers: list[ControllerLoop] = [types[n](self.ctx) for n in self.names]
        self.synced = asyncio.Event()
        self.registry = registry if registry is not None else CollectorRegistry()  # the process's, or private
        report(self.registry, self)

    async def run(self) -> None:
        """Start informers, wait for their caches, then the workers; runs until cancelled, or raises
        InformerFailed when an informer dies of a bug (the process then exits rather than going deaf)."""
        for controller in self.controllers:
            controller.setup()
        self.ctx.factory.start()
        try:
            while not await self.ctx.factory.wait_for_cache_sync(timeout=30):
                log.warning("controller-manager: caches not synced yet, still waiting")
            for controller in self.controllers:
                await controller.started()
                controller.start()
            self.synced.set()
            log.info("controller-manager: running %s", ", ".join(self.names))
            await self.ctx.factory.failed()  # runs until cancelled; an informer that died of a bug ends it
        finally:
            await asyncio.gather(*(c.stop() for c in self.controllers), return_exceptions=True)
            await asyncio.gather(*(r.stop() for r in self.ctx.recorders.values()), return_exceptions=True)
            await self.ctx.factory.stop()
