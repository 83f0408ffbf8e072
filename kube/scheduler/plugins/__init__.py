"""Built-in plugins, by the names KubeSchedulerConfiguration uses."""

from __future__ import annotations

from kube.scheduler.plugin import Plugin
from kube.scheduler.plugins.balanced_allocation import BalancedAllocation
from kube.scheduler.plugins.image_locality import ImageLocality
from kube.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from kube.scheduler.plugins.node_affinity import NodeAffinity
from kube.scheduler.plugins.node_name import NodeName
from kube.scheduler.plugins.node_resources_fit import NodeResourcesFit
from kube.scheduler.plugins.node_unschedulable import NodeUnschedulable
from kube.scheduler.plugins.pod_topology_spread import PodTopologySpread
from kube.scheduler.plugins.taint_toleration import TaintToleration

# in kube-scheduler's default filter order: the first failing one names a node's reason
BUILTIN: dict[str, type[Plugin]] = {
    p.name: p
    for p in (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodeResourcesFit,
              PodTopologySpread, InterPodAffinity, BalancedAllocation, ImageLocality)
}
DEFAULT_PLUGINS = tuple(BUILTIN)
