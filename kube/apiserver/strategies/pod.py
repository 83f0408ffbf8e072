"""Pods: a create starts Pending with its QoS class; a bound, running pod is deleted gracefully.

Graceful deletion as Kubernetes' pod strategy (CheckGracefulDelete): a pod no node
runs (unbound, or finished) goes at once; otherwise it is only marked, with the
grace period from the request or the spec (30 s by default), and its node agent
deletes it with gracePeriodSeconds=0 once the containers stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from kube.api.meta import Obj
from kube.apiserver.rbac.node_restriction import admit_pod_create
from kube.apiserver.strategies.base import Strategy
from kube.apiserver.strategies.service_account_admission import admit_service_account

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState

DEFAULT_GRACE_SECONDS = 30
TERMINAL_PHASES = ("Succeeded", "Failed")


def pod_qos_class(spec: Any) -> str:
    """BestEffort / Guaranteed / Burstable, by Kubernetes' rule over requests and limits."""
    containers = spec.get("containers") if isinstance(spec, dict) else None
    if not isinstance(containers, list):
        return "BestEffort"
    any_set, guaranteed = False, True
    for c in containers:
        res = c.get("resources") if isinstance(c, dict) else None
        res = res if isinstance(res, dict) else {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if not isinstance(req, dict) or not isinstance(lim, dict):
            continue
        if req or lim:
            any_set = True
        for r in ("cpu", "memory"):
            if r not in lim or (r in req and str(req[r]) != str(lim[r])):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


class PodStrategy(Strategy):
    returns_deleted_object: ClassVar[bool] = True

    def prepare_create(self, obj: Obj) -> None:
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj.get("spec"))}

    async def admit(self, state: ServerState, obj: Obj, old: Obj | None) -> None:
        if old is None:
            admit_pod_create(obj)  # NodeRestriction: a node creates only mirror pods of its own
            # its API access volume, as Kubernetes' admission; here so a dry run shows it too
            await admit_service_account(state, obj)

    def deletion_grace(self, obj: Obj, requested: int | None) -> int:
        spec = obj.get("spec") or {}
        if not spec.get("nodeName") or (obj.get("status") or {}).get("phase") in TERMINAL_PHASES:
            return 0
        if requested is not None:
            return requested
        value = spec.get("terminationGracePeriodSeconds")
        return int(value) if isinstance(value, int) and value >= 0 else DEFAULT_GRACE_SECONDS
