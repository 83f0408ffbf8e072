"""pods/eviction: a delete that honours PodDisruptionBudgets (429 when one would break).

The decision (`check_eviction`, a pure function): may this pod go without breaking its budget?

Follows Kubernetes' eviction subresource and disruption controller:
- a pod that is Pending, finished or already terminating ignores budgets;
- more than one matching budget is refused (Kubernetes answers 500);
- healthy = matching pods that are Ready, not terminating and not already
  recorded in the budget's `status.disruptedPods` (evicted, not yet gone);
- desiredHealthy from minAvailable (int, or % of expected rounded up) or
  expected - maxUnavailable (int, or % rounded up); disruptionsAllowed =
  healthy - desiredHealthy, allowed when > 0 (429 otherwise);
- a Running but not Ready pod may go when the budget is already met
  (`unhealthyPodEvictionPolicy: IfHealthyBudget`, the default) or always
  (`AlwaysAllow`).

Counting live pods plus `disruptedPods` (instead of trusting a possibly stale
`status.disruptionsAllowed`) keeps concurrent evictions safe: the caller
writes `decision.new_status` to the budget with compare-and-swap before it
deletes the pod; a lost CAS means re-read and decide again.

The handler (`evict`) is the I/O around it: the namespace's budgets and pods
from the cache, the budget's status charged before the pod goes.
"""

from __future__ import annotations

import copy
import math
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from kube.api.errors import StatusError, bad_request, too_many_requests
from kube.api.labels import SelectorError, from_label_selector
from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.apiserver.handlers.encoding import decode_object, json_response, read_body, success_status
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState
from kube.apiserver.storage.delete_path import DeleteOptions, delete_one
from kube.apiserver.storage.object_filter import ObjectFilter
from kube.apiserver.storage.write_path import MAX_ATTEMPTS

REFUSED_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget."
MULTIPLE_MESSAGE = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
DISRUPTED_POD_TIMEOUT = 120.0  # seconds an evicted pod stays excluded from healthy (Kubernetes: 2 minutes)
_PERCENT = re.compile(r"^(\d+)%$")


@dataclass(frozen=True)
class EvictionDecision:
    allowed: bool
    pdb: Obj | None
    message: str
    code: int = 201  # HTTP code of the answer: 201 allowed, 429 refused by a budget, 500 several budgets
    cause: str = ""  # Kubernetes' DisruptionBudget cause text, when refused
    new_status: dict[str, Any] | None = field(default=None)  # PDB status to CAS-write before deleting

    def error(self) -> StatusError:
        """The Status the API answers with when refused."""
        details: dict[str, Any] = {}
        if self.cause:
            details = {"causes": [{"reason": "DisruptionBudget", "message": self.cause}]}
        if self.code == 500:
            return StatusError(500, "InternalError", self.message, details)
        return StatusError(self.code, "TooManyRequests", self.message, details)


def _meta(obj: Obj) -> dict[str, Any]:
    m = obj.get("metadata")
    return m if isinstance(m, dict) else {}


def _now_rfc3339(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def is_ready(pod: Obj) -> bool:
    status = pod.get("status") or {}
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in status.get("conditions") or [] if isinstance(c, dict))


def _terminating(pod: Obj) -> bool:
    return bool(_meta(pod).get("deletionTimestamp"))


def selects(pdb: Obj, pod: Obj) -> bool:
    """Same namespace and the budget's selector matches (empty selects all, absent selects none)."""
    if _meta(pdb).get("namespace") != _meta(pod).get("namespace"):
        return False
    selector = (pdb.get("spec") or {}).get("selector")
    if selector is None:
        return False
    labels = _meta(pod).get("labels") or {}
    try:
        return from_label_selector(selector).matches(labels)
    except SelectorError:  # a malformed budget protects nothing, as in Kubernetes
        return False


def _scaled(value: Any, total: int, what: str) -> int:
    """An IntOrString against total, percentages rounded up (GetScaledValueFromIntOrPercent)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        m = _PERCENT.match(value)
        if m:
            return math.ceil(int(m.group(1)) * total / 100)
    raise ValueError(f"invalid {what} {value!r}: must be an integer or a percentage")


def _live_disrupted(pdb: Obj, names: set[str], now: float) -> dict[str, str]:
    """status.disruptedPods entries still pending: pod still present and entry younger than the timeout."""
    out = {}
    recorded = ((pdb.get("status") or {}).get("disruptedPods")) or {}
    for name, when in recorded.items() if isinstance(recorded, dict) else ():
        ts = _parse_time(when)
        if name in names and ts is not None and now - ts < DISRUPTED_POD_TIMEOUT:
            out[name] = when
    return out


def pdb_status(pdb: Obj, pods: list[Obj], now: float | None = None) -> dict[str, Any]:
    """The budget's status from the pods that exist now (what the disruption controller writes)."""
    at = time.time() if now is None else now
    matching = [p for p in pods if selects(pdb, p)]
    names = {str(_meta(p).get("name")) for p in matching}
    disrupted = _live_disrupted(pdb, names, at)
    healthy = sum(1 for p in matching if is_ready(p) and not _terminating(p)
                  and _meta(p).get("name") not in disrupted)
    spec = pdb.get("spec") or {}
    expected = len(matching)
    try:
        if spec.get("maxUnavailable") is not None:
            desired = max(0, expected - _scaled(spec["maxUnavailable"], expected, "maxUnavailable"))
        elif spec.get("minAvailable") is not None:
            desired = _scaled(spec["minAvailable"], expected, "minAvailable")
        else:
            desired = 0
        reason = "SufficientPods"
    except ValueError:
        desired, reason = expected, "SyncFailed"
    allowed = max(0, healthy - desired)
    if reason == "SufficientPods" and allowed == 0:
        reason = "InsufficientPods"
    return {
        "observedGeneration": _meta(pdb).get("generation", 1),
        "disruptedPods": disrupted,
        "disruptionsAllowed": allowed,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
        "conditions": [{
            "type": "DisruptionAllowed", "status": "True" if allowed > 0 else "False", "reason": reason,
            "message": "", "observedGeneration": _meta(pdb).get("generation", 1),
            "lastTransitionTime": _transition_time(pdb, allowed > 0, at),
        }],
    }


def _transition_time(pdb: Obj, allowed: bool, now: float) -> str:
    """Keep the old lastTransitionTime while the condition's status does not change."""
    for cond in (pdb.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == "DisruptionAllowed":
            if (cond.get("status") == "True") == allowed and cond.get("lastTransitionTime"):
                return str(cond["lastTransitionTime"])
    return _now_rfc3339(now)


def check_eviction(pod: Obj, pdbs: list[Obj], pods: list[Obj],
                   now: float | None = None) -> EvictionDecision:
    """Decide an eviction of `pod` given the budgets and pods of its namespace."""
    at = time.time() if now is None else now
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed", "Pending") or _terminating(pod):
        return EvictionDecision(True, None, "the pod is not running: no disruption budget applies")
    matching = [b for b in pdbs if selects(b, pod)]
    if not matching:
        return EvictionDecision(True, None, "no disruption budget selects the pod")
    if len(matching) > 1:
        names = ", ".join(sorted(str(_meta(b).get("name")) for b in matching))
        return EvictionDecision(False, None, f"{MULTIPLE_MESSAGE} (budgets: {names})", code=500)
    pdb = matching[0]
    status = pdb_status(pdb, pods, at)
    name = str(_meta(pdb).get("name"))
    healthy, desired = status["currentHealthy"], status["desiredHealthy"]
    if not is_ready(pod):
        policy = (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy") or "IfHealthyBudget"
        if policy == "AlwaysAllow" or healthy >= desired:
            return EvictionDecision(True, pdb, "the pod is not ready and the budget is met", new_status=status)
    if status["disruptionsAllowed"] <= 0:
        cause = f"The disruption budget {name} needs {desired} healthy pods and has {healthy} currently"
        return EvictionDecision(False, pdb, REFUSED_MESSAGE, code=429, cause=cause)
    new_status = dict(status)
    new_status["disruptionsAllowed"] = status["disruptionsAllowed"] - 1
    new_status["disruptedPods"] = {**status["disruptedPods"], str(_meta(pod).get("name")): _now_rfc3339(at)}
    if is_ready(pod):
        new_status["currentHealthy"] = healthy - 1
    return EvictionDecision(True, pdb, f"allowed by disruption budget {name}", new_status=new_status)


PDB = by_gvk("policy", "v1", "PodDisruptionBudget")


def _options(body: Obj) -> DeleteOptions:
    raw = body.get("deleteOptions") or {}
    if not isinstance(raw, dict):
        raise bad_request("deleteOptions must be an object")
    opts = DeleteOptions()
    grace = raw.get("gracePeriodSeconds")
    if isinstance(grace, int) and not isinstance(grace, bool):
        opts.grace_period = max(grace, 0)
    pre = raw.get("preconditions") or {}
    if isinstance(pre, dict):
        opts.precondition_uid = str(pre.get("uid") or "")
        opts.precondition_rv = str(pre.get("resourceVersion") or "")
    opts.dry_run = "All" in (raw.get("dryRun") or [])
    return opts


async def evict(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    body = decode_object(await read_body(request, state.config.max_body_bytes), request.headers.get("Content-Type", ""))
    if body.get("kind") not in (None, "", "Eviction"):
        raise bad_request(f"the kind in the data ({body.get('kind')}) does not match the expected kind (Eviction)")
    name, ns, pods_kind = info.name, info.namespace, info.kind
    opts = _options(body)
    assert PDB is not None
    for _ in range(MAX_ATTEMPTS):
        pod = await state.objects.must_get(pods_kind, ns, name)
        await state.cache.consistent()
        pdbs = state.cache.caches[PDB].select(ObjectFilter(ns))
        pods = state.cache.caches[pods_kind].select(ObjectFilter(ns))
        decision = check_eviction(pod, pdbs, pods)
        if not decision.allowed:
            raise decision.error()
        if decision.pdb is not None and decision.new_status is not None and not opts.dry_run:
            if not await _charge(state, decision.pdb, decision.new_status):
                continue  # the budget changed under us: decide again
        await delete_one(state, pods_kind, ns, name, opts)
        return json_response(success_status("pods", name, "") | {"code": 201}, 201)
    raise too_many_requests("the disruption budget is changing too fast; try again", 1)


async def _charge(state: ServerState, pdb: Obj, new_status: dict[str, Any]) -> bool:
    """Write the budget's status the eviction implies; False when the budget moved meanwhile."""
    assert PDB is not None
    new = copy.deepcopy(pdb)
    new["status"] = new_status
    try:
        await state.objects.update(PDB, new, int(pdb["metadata"]["resourceVersion"]))
    except StatusError as exc:
        if exc.reason == "Conflict":
            return False
        raise
    return True
