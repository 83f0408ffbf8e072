"""csrsigning: the controller manager signs approved CSRs of the signers Kubernetes' own
signer serves (kubernetes.io/kube-apiserver-client-kubelet, kubelet-serving, kube-apiserver-client)
with the --cluster-signing-* CA, and writes status.certificate through /status.

A request its signer does not accept (a serving certificate without SANs, a client certificate
asking for server auth) gets a Failed condition, reason SignerValidationFailure, as Kubernetes.
Without signing files the controller signs nothing (as kube-controller-manager without them).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Hashable

from kube.api import certificates as csrs
from kube.api.meta import Obj, now_rfc3339
from kube.api.registry import by_gvk
from kube.client.errors import ApiError
from kube.controllers.certificates.authority import Authority
from kube.controllers.loop import ControllerLoop, obj_key

log = logging.getLogger("kube.controllers.csrsigning")
CSR = by_gvk(csrs.GROUP, "v1", "CertificateSigningRequest")
assert CSR is not None


def signing_plan(csr: Obj) -> tuple[str, str] | None:
    """("sign", "") for a request to issue now, ("fail", why) for one its signer refuses, None to leave."""
    spec = csr.get("spec") or {}
    check = csrs.SIGNER_CHECKS.get(spec.get("signerName"))
    if check is None or not csrs.has_condition(csr, csrs.APPROVED) or csrs.has_condition(csr, csrs.FAILED):
        return None
    if (csr.get("status") or {}).get("certificate"):
        return None
    try:
        request = csrs.parse_request(spec.get("request"))
    except csrs.RequestError as exc:
        return "fail", str(exc)
    problem = check(request, list(spec.get("usages") or []))
    return ("fail", problem) if problem else ("sign", "")


class SigningController(ControllerLoop):
    name = "csrsigning"

    def setup(self) -> None:
        options = self.ctx.options
        self.authority: Authority | None = None
        if options.cluster_signing_cert_file and options.cluster_signing_key_file:
            self.authority = Authority.load(options.cluster_signing_cert_file, options.cluster_signing_key_file,
                                            options.cluster_signing_duration)
        else:
            log.info("csrsigning: no --cluster-signing-cert-file/--cluster-signing-key-file, signing nothing")
        self.requests = self.ctx.factory.informer_for(CSR)
        self.requests.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)))

    async def sync(self, key: Hashable) -> float | None:
        csr = self.requests.store.get(str(key))
        if csr is None or self.authority is None:
            return None
        plan = signing_plan(csr)
        if plan is None:
            return None
        spec = csr["spec"]
        status = dict(csr.get("status") or {})
        if plan[0] == "sign":
            try:
                pem = self.authority.sign(csrs.parse_request(spec["request"]), list(spec.get("usages") or []),
                                          spec.get("expirationSeconds"))
            except ValueError as exc:  # usages the x509 library refuses to combine
                plan = ("fail", str(exc))
            else:
                status["certificate"] = base64.b64encode(pem).decode()
        if plan[0] == "fail":
            status["conditions"] = [*csrs.conditions(csr), {
                "type": csrs.FAILED, "status": "True", "reason": "SignerValidationFailure", "message": plan[1],
                "lastUpdateTime": now_rfc3339()}]
        try:
            await self.ctx.client.update(CSR, {**csr, "status": status}, subresource="status")
        except ApiError as exc:
            if exc.code in (404, 409):
                return None if exc.code == 404 else 1.0
            raise
        log.info("csrsigning: %s %s", "signed" if plan[0] == "sign" else "failed", key)
        return None
