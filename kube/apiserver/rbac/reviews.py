"""Access reviews: questions to the authorizer, answered at once and never stored.

- SelfSubjectAccessReview: may I do this? (`kubectl auth can-i`)
- SubjectAccessReview / LocalSubjectAccessReview: may that user do this? (webhooks, the
  node agent's own checks; the local one is pinned to the namespace it is posted in)
- SelfSubjectRulesReview: what may I do in this namespace? (`kubectl auth can-i --list`)
- SelfSubjectReview (authentication.k8s.io): who am I? (`kubectl auth whoami`)
- TokenReview (authentication.k8s.io): whose is this token? (the node's server; auth/token_review.py)

Each is a create that returns the posted object with its status filled in (201), as the
Kubernetes registry's REST for these kinds does. The question goes to the same Chain that
authorizes requests, so the answer is what a real request would meet.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kube.api.errors import StatusError, bad_request
from kube.api.meta import Obj
from kube.apiserver.auth.authorizer import Chain
from kube.apiserver.auth.request_user import current_user
from kube.apiserver.auth.token_review import token_review_status
from kube.apiserver.auth.user import UserInfo, extra_of
from kube.apiserver.handlers.encoding import decode_object, json_response, read_body
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.rbac.rules import Request, Rule
from kube.apiserver.state import ServerState

# (group, kind) of the reviews answered here
REVIEWS = frozenset({("authentication.k8s.io", "TokenReview"),
                     ("authorization.k8s.io", "SelfSubjectAccessReview"), ("authorization.k8s.io", "SubjectAccessReview"),
                     ("authorization.k8s.io", "LocalSubjectAccessReview"), ("authorization.k8s.io", "SelfSubjectRulesReview"),
                     ("authentication.k8s.io", "SelfSubjectReview")})


def is_review(info: RequestInfo) -> bool:
    return (info.kind.group, info.kind.kind) in REVIEWS and info.verb == "create" and not info.subresource


def request_of(spec: dict[str, Any]) -> Request:
    """The Request a review's spec describes (resourceAttributes or nonResourceAttributes)."""
    res = spec.get("resourceAttributes")
    non = spec.get("nonResourceAttributes")
    if isinstance(res, dict):
        return Request(verb=str(res.get("verb") or ""), resource=str(res.get("resource") or ""),
                       subresource=str(res.get("subresource") or ""), namespace=str(res.get("namespace") or ""),
                       group=str(res.get("group") or ""), name=str(res.get("name") or ""))
    if isinstance(non, dict):
        return Request(verb=str(non.get("verb") or ""), path=str(non.get("path") or ""))
    raise _invalid("spec", "exactly one of nonResourceAttributes or resourceAttributes must be specified")


def _invalid(field: str, detail: str) -> StatusError:
    return StatusError(422, "Invalid", f"{field}: Invalid value: {detail}",
                       {"causes": [{"reason": "FieldValueInvalid", "message": detail, "field": field}]})


def _decide(chain: Chain | None, user: UserInfo, req: Request) -> dict[str, Any]:
    if chain is None:
        return {"allowed": True}
    allowed, reason = chain.decide(user, req)
    status: dict[str, Any] = {"allowed": allowed}
    if reason:
        status["reason"] = reason
    return status


def _rules_status(chain: Chain | None, user: UserInfo, namespace: str) -> dict[str, Any]:
    if chain is None:
        return {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}], "incomplete": False}
    rules, incomplete = chain.rules_for(user, namespace)
    seen: set[Rule] = set()
    resource, non_resource = [], []
    for r in rules:
        if r in seen:
            continue
        seen.add(r)
        (non_resource if r.urls else resource).append(r.as_object())
    return {"resourceRules": resource, "nonResourceRules": non_resource, "incomplete": incomplete}


def _spec_user(spec: dict[str, Any]) -> UserInfo:
    name, groups = spec.get("user") or "", spec.get("groups") or []
    if not name and not groups:
        raise _invalid("spec.user", "at least one of user or group must be specified")
    if not isinstance(groups, list):
        raise _invalid("spec.groups", "must be a list of strings")
    raw_extra = spec.get("extra") or {}
    if not isinstance(raw_extra, dict) or not all(isinstance(v, list) for v in raw_extra.values()):
        raise _invalid("spec.extra", "must be a map of lists of strings")
    extra = extra_of({str(k): [str(x) for x in v] for k, v in raw_extra.items()})
    return UserInfo(str(name), tuple(str(g) for g in groups if isinstance(g, str)), str(spec.get("uid") or ""), extra)


async def review(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    raw = await read_body(request, state.config.max_body_bytes)
    body: Obj = decode_object(raw, request.headers.get("Content-Type", ""))
    kind = info.kind.kind
    if body.get("kind") not in (None, kind):
        raise bad_request(f"the body is a {body.get('kind')}, not a {kind}")
    user = current_user() or UserInfo("system:anonymous", ("system:unauthenticated",))
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    out: Obj = {"kind": kind, "apiVersion": info.kind.api_version,
                "metadata": {"creationTimestamp": None, **(body.get("metadata") or {})}, "spec": spec}
    chain = state.authorizer
    if kind == "SelfSubjectReview":
        info_out: dict[str, Any] = {"username": user.name, "groups": list(user.groups)}
        if user.uid:
            info_out["uid"] = user.uid
        if user.extra:
            info_out["extra"] = user.extra_map()
        out.pop("spec")
        out["status"] = {"userInfo": info_out}
    elif kind == "TokenReview":
        out["status"] = token_review_status(state.authenticator, spec)
    elif kind == "SelfSubjectRulesReview":
        out["status"] = _rules_status(chain, user, str(spec.get("namespace") or ""))
    elif kind == "SelfSubjectAccessReview":
        out["status"] = _decide(chain, user, request_of(spec))
    else:
        req = request_of(spec)
        if kind == "LocalSubjectAccessReview" and req.namespace != info.namespace:
            raise _invalid("spec.resourceAttributes.namespace", "must match the namespace of the request")
        out["status"] = _decide(chain, _spec_user(spec), req)
    return json_response(out, 201)
