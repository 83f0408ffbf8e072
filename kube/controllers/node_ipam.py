"""Node IPAM: one pod CIDR per node from --cluster-cidr (a /24 each by default), freed
when the node goes, rebuilt from the nodes at start so a restart never hands one out twice."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Hashable

from kube.api.meta import Obj
from kube.controllers.actions import NODE, Action, Patch
from kube.controllers.executor import Retry
from kube.controllers.loop import ControllerLoop, final_state, obj_key

log = logging.getLogger("kube.controllers.nodeipam")


class CidrExhausted(Exception):
    """Every pod CIDR of the cluster range is taken."""


class CidrAllocator:
    def __init__(self, cluster_cidr: str = "10.244.0.0/16", mask_size: int = 24) -> None:
        self.network = ipaddress.ip_network(cluster_cidr, strict=False)
        if mask_size < self.network.prefixlen or mask_size > self.network.max_prefixlen:
            raise ValueError(f"--node-cidr-mask-size {mask_size} does not fit in {self.network}")
        self.mask_size = mask_size
        self.count = 1 << (mask_size - self.network.prefixlen)
        self._step = 1 << (self.network.max_prefixlen - mask_size)
        self._used: set[int] = set()
        self._next = 0

    def _index(self, cidr: str) -> int | None:
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            return None
        if net.version != self.network.version or net.prefixlen != self.mask_size or not net.subnet_of(self.network):
            return None
        return (int(net.network_address) - int(self.network.network_address)) // self._step

    def _cidr(self, index: int) -> str:
        address = ipaddress.ip_address(int(self.network.network_address) + index * self._step)
        return f"{address}/{self.mask_size}"

    def occupy(self, cidr: str) -> bool:
        index = self._index(cidr)
        if index is None:
            return False
        self._used.add(index)
        return True

    def release(self, cidr: str) -> None:
        index = self._index(cidr)
        if index is not None:
            self._used.discard(index)

    def allocate(self) -> str:
        for offset in range(self.count):
            index = (self._next + offset) % self.count
            if index not in self._used:
                self._used.add(index)
                self._next = (index + 1) % self.count
                return self._cidr(index)
        raise CidrExhausted(f"no pod CIDR left in {self.network}")

    def in_use(self) -> int:
        return len(self._used)


def node_cidr(node: Obj) -> str:
    return str((node.get("spec") or {}).get("podCIDR") or "")


def reconcile_node_cidr(node: Obj, allocator: CidrAllocator) -> list[Action]:
    """Give a node without a podCIDR the next free one (spec.podCIDR and spec.podCIDRs)."""
    meta = node.get("metadata") or {}
    if node_cidr(node) or meta.get("deletionTimestamp"):
        return []
    cidr = allocator.allocate()
    return [Patch(NODE, "", meta.get("name", ""), {"metadata": {"resourceVersion": meta.get("resourceVersion")},
                                                    "spec": {"podCIDR": cidr, "podCIDRs": [cidr]}})]


# --- the loop ------------------------------------------------------------------------------------

class NodeIpamController(ControllerLoop):
    name = "nodeipam"

    def setup(self) -> None:
        opts = self.ctx.options
        self.allocator = CidrAllocator(opts.cluster_cidr, opts.node_cidr_mask_size)
        self.nodes = self.ctx.factory.informer_for(NODE)
        self.nodes.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)),
                               self._deleted)

    async def started(self) -> None:
        """Rebuild the allocation from the nodes before handing anything out."""
        for node in self.nodes.store.list():
            if node_cidr(node):
                self.allocator.occupy(node_cidr(node))
        log.info("nodeipam: %d pod CIDRs in use in %s", self.allocator.in_use(), self.allocator.network)

    def _deleted(self, obj: object) -> None:
        cidr = node_cidr(final_state(obj))
        if cidr:
            self.allocator.release(cidr)
            log.info("nodeipam: released %s", cidr)

    async def sync(self, key: Hashable) -> float | None:
        node = self.nodes.store.get(str(key))
        if node is None:
            return None
        try:
            actions = reconcile_node_cidr(node, self.allocator)
        except CidrExhausted as exc:
            log.error("nodeipam: node %s: %s", key, exc)
            return 30.0
        try:
            await self.ctx.executor.run(actions, f"nodeipam {key}")
        except Retry:
            for action in actions:
                self.allocator.release(action.patch["spec"]["podCIDR"])  # type: ignore[union-attr]
            raise
        return None
