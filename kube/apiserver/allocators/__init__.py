"""Service allocators: ClusterIPs from --service-cluster-ip-range, NodePorts from --service-node-port-range.

Each allocated item is one store key, claimed with create-if-absent, so no IP
or port is ever handed out twice, even by several API servers at once.
"""

from kube.apiserver.allocators.ranges import IpRange, PortRange
from kube.apiserver.allocators.service import ServiceAllocators

__all__ = ["ServiceAllocators", "IpRange", "PortRange"]
