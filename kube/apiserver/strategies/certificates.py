"""CertificateSigningRequests, as Kubernetes' `pkg/registry/certificates/certificates/strategy.go`
and the admission plugins CertificateApproval, CertificateSigning and CertificateSubjectRestriction.

- create: spec.username, uid, groups and extra are the requester's, whatever the client sent;
  the status starts empty (nobody creates a pre-approved request).
- update of the object: spec and status stay as stored (only metadata changes).
- /approval: only status.conditions change, and the writer needs verb `approve` on
  `signers` (certificates.k8s.io) named after spec.signerName or its `<domain>/*`.
- /status: the Approved and Denied conditions stay as stored (whoever signs cannot approve);
  a change of status.certificate needs verb `sign` on the signer.
Conditions get lastUpdateTime and lastTransitionTime filled in where the writer left them out.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from cryptography.x509.oid import NameOID

from kube.api import certificates as csrs
from kube.api.defaults.certificates import default_certificate_signing_request
from kube.api.errors import StatusError
from kube.api.meta import Obj, now_rfc3339
from kube.apiserver.auth.request_user import current_user
from kube.apiserver.rbac.rules import Request
from kube.apiserver.strategies.base import Strategy

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState

RESOURCE = "certificatesigningrequests"
_APPROVAL_TYPES = (csrs.APPROVED, csrs.DENIED)


def _forbidden(obj: Obj, reason: str) -> StatusError:
    name = str((obj.get("metadata") or {}).get("name", ""))
    return StatusError(403, "Forbidden", f'{RESOURCE}.{csrs.GROUP} "{name}" is forbidden: {reason}',
                       {"name": name, "group": csrs.GROUP, "kind": RESOURCE})


def _spec(obj: Obj) -> dict:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _status(obj: Obj) -> dict:
    status = obj.get("status")
    return status if isinstance(status, dict) else {}


def _stamp_conditions(new: Obj, old: Obj) -> None:
    """populateConditionTimestamps: lastUpdateTime now when unset; lastTransitionTime kept from
    the old condition of the same type and status, else now."""
    default_certificate_signing_request(new)  # a status-less condition is "True" before it is compared
    before = {c.get("type"): c for c in csrs.conditions(old)}
    now = now_rfc3339()
    for cond in csrs.conditions(new):
        if not cond.get("lastUpdateTime"):
            cond["lastUpdateTime"] = now
        if not cond.get("lastTransitionTime"):
            prior = before.get(cond.get("type"))
            same = prior is not None and prior.get("status") == cond.get("status") and prior.get("lastTransitionTime")
            cond["lastTransitionTime"] = prior["lastTransitionTime"] if same and prior else now


def _authorized(state: ServerState, verb: str, signer: str) -> bool:
    """IsAuthorizedForSignerName: the signer itself, or every signer of its domain (`example.com/*`)."""
    user = current_user()
    if user is None or state.authorizer is None:
        return True
    names = [signer] + ([signer.split("/", 1)[0] + "/*"] if "/" in signer else [])
    return any(state.authorizer.allows(user, Request(verb, "signers", "", "", csrs.GROUP, n)) for n in names)


class CertificateSigningRequestStrategy(Strategy):
    def prepare_create(self, obj: Obj) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict):
            for key in ("username", "uid", "groups", "extra"):
                spec.pop(key, None)
            user = current_user()
            if user is not None:
                spec["username"] = user.name
                if user.uid:
                    spec["uid"] = user.uid
                if user.groups:
                    spec["groups"] = list(user.groups)
                if user.extra:
                    spec["extra"] = user.extra_map()
        obj["status"] = {}

    def prepare_update(self, new: Obj, old: Obj) -> None:
        for part in ("spec", "status"):
            if part in old:
                new[part] = copy.deepcopy(old[part])
            else:
                new.pop(part, None)

    def prepare_subresource_update(self, subresource: str, new: Obj, old: Obj) -> Obj | None:
        if subresource not in ("approval", "status"):
            return None
        result = copy.deepcopy(old)
        sent = _status(new)
        if subresource == "approval":
            status = _status(result)
            status.pop("conditions", None)
            if "conditions" in sent:
                status["conditions"] = copy.deepcopy(sent["conditions"])
        else:
            kept = [c for c in csrs.conditions(old) if c.get("type") in _APPROVAL_TYPES]
            others = [c for c in csrs.conditions(new) if c.get("type") not in _APPROVAL_TYPES]
            status = {k: v for k, v in sent.items() if k != "conditions"}
            if kept or others:
                status["conditions"] = kept + others
            status = copy.deepcopy(status)
        result["status"] = status
        _stamp_conditions(result, old)
        return result

    async def admit(self, state: ServerState, obj: Obj, old: Obj | None) -> None:
        """CertificateSubjectRestriction: no system:masters client certificate through the API."""
        spec = _spec(obj)
        if old is not None or spec.get("signerName") != csrs.KUBE_APISERVER_CLIENT:
            return
        try:
            request = csrs.parse_request(spec.get("request"))
        except csrs.RequestError:
            return  # validation has said so already
        if "system:masters" in csrs.subject_values(request, NameOID.ORGANIZATION_NAME):
            raise _forbidden(obj, f"use of {csrs.KUBE_APISERVER_CLIENT} signer with system:masters group is not allowed")

    async def admit_subresource(self, state: ServerState, subresource: str, obj: Obj, old: Obj) -> None:
        signer = str(_spec(obj).get("signerName") or "")
        if subresource == "approval" and not _authorized(state, "approve", signer):
            raise _forbidden(obj, f'user not permitted to approve requests with signerName "{signer}"')
        if subresource == "status" and _status(obj).get("certificate") != _status(old).get("certificate") \
                and not _authorized(state, "sign", signer):
            raise _forbidden(obj, f'user not permitted to sign requests with signerName "{signer}"')
