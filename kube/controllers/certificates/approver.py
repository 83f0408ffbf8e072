"""csrapproving: node client certificates approved without an operator, as Kubernetes'
pkg/controller/certificates/approver (sarapprove.go), plus the denials issue 18 asks for.

A kubernetes.io/kube-apiserver-client-kubelet CSR for O=system:nodes, CN=system:node:<name>
with usages client auth (and optionally digital signature, key encipherment) is approved
when a SubjectAccessReview says its requester may `create` certificatesigningrequests/
selfnodeclient (a node renewing its own: requester == CN) or /nodeclient (a bootstrap token).
Denied, with reason AutoDenied and a message saying why: a node asking for another node's
name, and a bootstrap token asking for anything but a node client certificate of the
kubernetes.io client signers. kubernetes.io/kubelet-serving is never decided here (an operator
approves: `kubectl certificate approve`).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass

from kube.api import bootstrap_token as bt
from kube.api import certificates as csrs
from kube.api.meta import Obj, now_rfc3339
from kube.api.registry import by_gvk
from kube.client.errors import ApiError
from kube.controllers.loop import ControllerLoop, obj_key

log = logging.getLogger("kube.controllers.csrapproving")
CSR = by_gvk(csrs.GROUP, "v1", "CertificateSigningRequest")
REVIEW = by_gvk("authorization.k8s.io", "v1", "SubjectAccessReview")
assert CSR is not None and REVIEW is not None
SELF = ("selfnodeclient", "Auto approving self kubelet client certificate after SubjectAccessReview.")
BOOTSTRAP = ("nodeclient", "Auto approving kubelet client certificate after SubjectAccessReview.")
RETRY_SECONDS = 30.0  # a recognized request nobody may approve yet: asked again (a binding may come)
_CLIENT_SIGNERS = (csrs.KUBE_APISERVER_CLIENT, csrs.KUBE_APISERVER_CLIENT_KUBELET)


@dataclass(frozen=True)
class Plan:
    """What to do with one CSR: ask these permissions in order (approve on the first allowed), or deny."""

    checks: tuple[tuple[str, str], ...] = ()
    deny: str = ""


def approval_plan(csr: Obj) -> Plan:
    spec = csr.get("spec") or {}
    status = csr.get("status") or {}
    if status.get("certificate") or csrs.has_condition(csr, csrs.APPROVED) or csrs.has_condition(csr, csrs.DENIED):
        return Plan()
    signer = spec.get("signerName")
    user = str(spec.get("username") or "")
    groups = spec.get("groups") or []
    bootstrap = bt.GROUP in groups
    node = user.startswith(csrs.NODE_PREFIX) and csrs.NODES_GROUP in groups
    if signer not in _CLIENT_SIGNERS:
        return Plan()
    if signer == csrs.KUBE_APISERVER_CLIENT:
        return Plan(deny=f'{user} may only request node client certificates ({csrs.KUBE_APISERVER_CLIENT_KUBELET}), '
                         f'not {signer}') if bootstrap else Plan()
    try:
        request = csrs.parse_request(spec.get("request"))
    except csrs.RequestError:
        return Plan()
    problem = csrs.kubelet_client_problem(request, list(spec.get("usages") or []))
    cn = csrs.common_name(request)
    if problem:
        return Plan(deny=f"not a node client certificate request: {problem}") if bootstrap or node else Plan()
    if node and cn != user:
        return Plan(deny=f'node "{user}" may not request a client certificate for "{cn}": '
                         "a node may only renew its own")
    return Plan((SELF, BOOTSTRAP) if cn == user else (BOOTSTRAP,))


def review_body(csr: Obj, subresource: str) -> Obj:
    spec = csr.get("spec") or {}
    review: Obj = {"user": spec.get("username", ""), "groups": spec.get("groups") or [],
                   "resourceAttributes": {"group": csrs.GROUP, "resource": "certificatesigningrequests",
                                          "verb": "create", "subresource": subresource, "version": "*"}}
    if spec.get("uid"):
        review["uid"] = spec["uid"]
    if spec.get("extra"):
        review["extra"] = spec["extra"]
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": review}


def with_condition(csr: Obj, kind: str, reason: str, message: str) -> Obj:
    status = dict(csr.get("status") or {})
    status["conditions"] = [*csrs.conditions(csr), {"type": kind, "status": "True", "reason": reason,
                                                    "message": message, "lastUpdateTime": now_rfc3339()}]
    return {**csr, "status": status}


class ApprovingController(ControllerLoop):
    name = "csrapproving"

    def setup(self) -> None:
        self.requests = self.ctx.factory.informer_for(CSR)
        self.requests.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)))

    async def sync(self, key: Hashable) -> float | None:
        csr = self.requests.store.get(str(key))
        if csr is None:
            return None
        plan = approval_plan(csr)
        if plan.deny:
            return await self._decide(csr, with_condition(csr, csrs.DENIED, "AutoDenied", plan.deny))
        for subresource, message in plan.checks:
            review = await self.ctx.client.create(REVIEW, review_body(csr, subresource))
            if (review.get("status") or {}).get("allowed"):
                return await self._decide(csr, with_condition(csr, csrs.APPROVED, "AutoApproved", message))
        return RETRY_SECONDS if plan.checks else None

    async def _decide(self, csr: Obj, decided: Obj) -> float | None:
        try:
            await self.ctx.client.update(CSR, decided, subresource="approval")
        except ApiError as exc:
            if exc.code == 409:
                return 1.0  # changed meanwhile: look again
            if exc.code != 404:
                raise
        log.info("csrapproving: %s %s", csrs.conditions(decided)[-1]["type"].lower(), csr["metadata"]["name"])
        return None
