"""What a pod asks of a node, counted the way kube-scheduler counts it.

Effective request = max(sum of containers (+ restartable init sidecars),
max over init containers) + pod overhead. Scoring uses "non-zero" requests
(100m CPU / 200Mi memory for a container that asks for none) so empty pods
still spread, exactly as the NodeResourcesFit and BalancedAllocation plugins do.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from kube.api.errors import StatusError, bad_request
from kube.api.quantity import QuantityError, cpu_millis, memory_bytes

DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024


class Requests(NamedTuple):
    cpu: int  # millicores
    memory: int  # bytes
    nz_cpu: int  # as `cpu`, with the non-zero defaults for scoring
    nz_memory: int


@lru_cache(maxsize=4096)
def _cpu(text: str) -> int:
    return cpu_millis(text)


@lru_cache(maxsize=4096)
def _mem(text: str) -> int:
    return memory_bytes(text)


def quantity_cpu(value: Any, where: str) -> int:
    try:
        return _cpu(value if isinstance(value, str) else str(value))
    except QuantityError as exc:
        raise bad_request(f"{where}: {exc}") from None


def quantity_memory(value: Any, where: str) -> int:
    try:
        return _mem(value if isinstance(value, str) else str(value))
    except QuantityError as exc:
        raise bad_request(f"{where}: {exc}") from None


def _container(c: dict[str, Any], where: str) -> tuple[int, int, int, int]:
    req = (c.get("resources") or {}).get("requests") or {}
    cpu = quantity_cpu(req["cpu"], f"{where}.resources.requests.cpu") if "cpu" in req else 0
    mem = quantity_memory(req["memory"], f"{where}.resources.requests.memory") if "memory" in req else 0
    return cpu, mem, cpu or DEFAULT_MILLI_CPU, mem or DEFAULT_MEMORY


def pod_requests(spec: dict[str, Any]) -> Requests:
    """Effective requests of a pod spec (raises StatusError on a bad quantity)."""
    cpu = mem = nzc = nzm = 0
    for i, c in enumerate(spec.get("containers") or ()):
        a, b, x, y = _container(c, f"spec.containers[{i}]")
        cpu, mem, nzc, nzm = cpu + a, mem + b, nzc + x, nzm + y
    # init containers run one at a time before the app containers; a restartable
    # one (a sidecar) keeps running, so it adds to everything that follows it.
    side = [0, 0, 0, 0]
    peak = [0, 0, 0, 0]
    for i, c in enumerate(spec.get("initContainers") or ()):
        vals = _container(c, f"spec.initContainers[{i}]")
        if c.get("restartPolicy") == "Always":
            side = [s + v for s, v in zip(side, vals, strict=True)]
            peak = [max(p, s) for p, s in zip(peak, side, strict=True)]
        else:
            peak = [max(p, s + v) for p, s, v in zip(peak, side, vals, strict=True)]
    app = [cpu + side[0], mem + side[1], nzc + side[2], nzm + side[3]]
    total = [max(a, p) for a, p in zip(app, peak, strict=True)]
    overhead = spec.get("overhead") or {}
    if overhead:
        oc = quantity_cpu(overhead["cpu"], "spec.overhead.cpu") if "cpu" in overhead else 0
        om = quantity_memory(overhead["memory"], "spec.overhead.memory") if "memory" in overhead else 0
        total = [total[0] + oc, total[1] + om, total[2] + oc, total[3] + om]
    return Requests(*total)


def node_allocatable(node: dict[str, Any]) -> tuple[int, int, int]:
    """(milli-cpu, memory bytes, pods) a node offers; allocatable falls back to capacity."""
    status = node.get("status") or {}
    alloc = status.get("allocatable") or status.get("capacity") or {}
    name = (node.get("metadata") or {}).get("name", "")
    try:
        cpu = _cpu(str(alloc.get("cpu", "0")))
        mem = _mem(str(alloc.get("memory", "0")))
        pods = _mem(str(alloc.get("pods", "110")))
    except QuantityError as exc:
        raise bad_request(f"node {name}: status.allocatable: {exc}") from None
    return cpu, mem, pods


__all__ = ["Requests", "pod_requests", "node_allocatable", "StatusError"]
