"""TokenReview (authentication.k8s.io/v1): whose is this bearer token? Asked by the node agent's
server (`--authentication-token-webhook`, as the kubelet) and by webhooks that front the API.

As Kubernetes' registry/authentication/tokenreview: a create answered at once and never stored
(201), spec.token required (400 otherwise), the same token authenticators that authenticate
requests here (static, bootstrap, ServiceAccount JWT). spec.audiences default to the API
server's (--api-audiences, else the issuer); a ServiceAccount token is accepted only for the
audiences it was issued for, a static or bootstrap token is audience-agnostic (valid for the
API server's audiences). An unknown token is `authenticated` false (omitted, as Go's omitempty)
with an error, not an HTTP error: the question was well put.
"""

from __future__ import annotations

from typing import Any

from kube.api.errors import bad_request
from kube.apiserver.auth.authenticator import Authenticator
from kube.apiserver.auth.serviceaccount_tokens import ServiceAccountTokens
from kube.apiserver.auth.user import UserInfo

INVALID = "invalid bearer token"


def _user_out(user: UserInfo) -> dict[str, Any]:
    out: dict[str, Any] = {"username": user.name}
    if user.uid:
        out["uid"] = user.uid
    out["groups"] = list(user.groups)
    if user.extra:
        out["extra"] = user.extra_map()
    return out


def _audiences(accounts: ServiceAccountTokens | None, token: str, requested: list[str]) -> tuple[list[str], str]:
    """(the audiences the token is good for among those asked, the error if none)."""
    api_auds = list(accounts.audiences) if accounts is not None else []
    wanted = requested or api_auds
    claims = accounts.verify(token) if accounts is not None and token.count(".") == 2 else None
    if claims is not None:
        aud = claims.get("aud")
        issued = [aud] if isinstance(aud, str) else [str(a) for a in aud or []]
        good = [a for a in wanted if a in issued]
        return good, "" if good else f"token audiences {issued} is invalid for the target audiences {wanted}"
    if requested and api_auds and not set(requested) & set(api_auds):  # audience-agnostic: the API's only
        return [], f"token audiences {api_auds} is invalid for the target audiences {requested}"
    return wanted, ""


def token_review_status(authenticator: Authenticator | None, spec: dict[str, Any]) -> dict[str, Any]:
    """The status of a TokenReview with this spec (no authenticator: no token is anyone's)."""
    token = spec.get("token")
    if not isinstance(token, str) or not token:
        raise bad_request("token is required for TokenReview in authentication")
    requested = spec.get("audiences") or []
    if not isinstance(requested, list):
        raise bad_request("spec.audiences must be a list of strings")
    user = authenticator.authenticate_token(token) if authenticator is not None else None
    if user is None:
        return {"user": {}, "error": INVALID}
    accounts = authenticator.service_accounts if authenticator is not None else None
    audiences, error = _audiences(accounts, token, [str(a) for a in requested])
    if error:
        return {"user": {}, "error": f"[{INVALID}, {error}]"}
    status: dict[str, Any] = {"authenticated": True, "user": _user_out(user)}
    if audiences:
        status["audiences"] = audiences
    return status
