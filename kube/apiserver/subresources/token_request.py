"""serviceaccounts/token: TokenRequest (authentication.k8s.io/v1), what `kubectl create token`
and the node agent call for a bound ServiceAccount token.

As Kubernetes' `pkg/registry/core/serviceaccount/storage/token.go`: the audiences default to
the API server's (`--api-audiences`, else the issuer), the lifetime to one hour and must be
at least 10 minutes; a token bound to a Pod, Secret or Node names it with its uid (a uid
that no longer matches is 409), and a pod-bound token also names the pod's node. The
ServiceAccount and bound object are read from the watch cache once it has caught up with
the store, so the token authenticates (the authenticator reads the same cache) as soon as
it is returned. A node (NodeRestriction) gets only tokens bound to pods scheduled on it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kube.api.errors import (
    FieldError,
    StatusError,
    bad_request,
    conflict,
    invalid_object,
    not_found,
    not_supported,
)
from kube.api.errors import invalid as field_invalid
from kube.api.meta import Obj, now_rfc3339
from kube.api.registry import resolve
from kube.apiserver.auth.request_user import current_user
from kube.apiserver.auth.serviceaccount_tokens import BoundRef, claims_for, expiration_timestamp
from kube.apiserver.handlers.encoding import decode_object, json_response, read_body
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.rbac.node_authorizer import node_name
from kube.apiserver.state import ServerState
from kube.apiserver.watch.cache import WatchCache

API_VERSION = "authentication.k8s.io/v1"
DEFAULT_SECONDS = 3600
MIN_SECONDS = 600
MAX_SECONDS = 1 << 32
BOUND_KINDS = {"Pod": "pods", "Secret": "secrets", "Node": "nodes"}


def cached(cache: WatchCache, plural: str, namespace: str, name: str) -> Obj | None:
    """An object as the watch cache holds it (what authentication will see)."""
    kind = resolve(plural)
    assert kind is not None
    kind_cache = cache.caches.get(kind)
    return kind_cache.objects.get(kind.key(namespace if kind.namespaced else "", name)) if kind_cache is not None else None


def _spec(body: Obj, name: str) -> tuple[list[str], int, Obj | None]:
    if body.get("kind") not in (None, "", "TokenRequest") or body.get("apiVersion") not in (None, "", API_VERSION):
        raise bad_request(f"the kind in the data ({body.get('apiVersion')}, {body.get('kind')}) does not match "
                          f"the expected kind ({API_VERSION}, TokenRequest)")
    spec = body.get("spec") or {}
    if not isinstance(spec, dict):
        raise invalid_object("TokenRequest", name, [field_invalid("spec", spec, "must be an object")],
                             "authentication.k8s.io")
    errors: list[FieldError] = []
    audiences = spec.get("audiences") or []
    if not isinstance(audiences, list) or not all(isinstance(a, str) and a for a in audiences):
        errors.append(field_invalid("spec.audiences", audiences, "must be a list of non-empty strings"))
    seconds = spec.get("expirationSeconds")
    seconds = DEFAULT_SECONDS if seconds in (None, 0) else seconds
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        errors.append(field_invalid("spec.expirationSeconds", seconds, "must be an integer"))
    elif seconds < MIN_SECONDS:
        errors.append(field_invalid("spec.expirationSeconds", seconds,
                                    "may not specify a duration less than 10 minutes"))
    elif seconds > MAX_SECONDS:
        errors.append(field_invalid("spec.expirationSeconds", seconds,
                                    "may not specify a duration larger than 2^32 seconds"))
    ref = spec.get("boundObjectRef")
    if ref is not None:
        if not isinstance(ref, dict):
            errors.append(field_invalid("spec.boundObjectRef", ref, "must be an object"))
        elif ref.get("kind") not in BOUND_KINDS:
            errors.append(not_supported("spec.boundObjectRef.kind", ref.get("kind"), list(BOUND_KINDS)))
        elif ref.get("apiVersion") not in (None, "", "v1"):
            errors.append(not_supported("spec.boundObjectRef.apiVersion", ref.get("apiVersion"), ["v1"]))
        elif not isinstance(ref.get("name"), str) or not ref.get("name"):
            errors.append(field_invalid("spec.boundObjectRef.name", ref.get("name"), "name is required"))
    if errors:
        raise invalid_object("TokenRequest", name, errors, "authentication.k8s.io")
    return list(audiences), int(seconds), ref


def _bound(state: ServerState, namespace: str, sa_name: str, ref: Obj) -> tuple[BoundRef, BoundRef | None]:
    kind, name = str(ref["kind"]), str(ref["name"])
    obj = cached(state.cache, BOUND_KINDS[kind], namespace, name)
    if obj is None:
        raise not_found(BOUND_KINDS[kind], name)
    uid = str(obj["metadata"].get("uid", ""))
    if ref.get("uid") and ref["uid"] != uid:
        raise conflict(BOUND_KINDS[kind], name, f"the UID in the bound object reference ({ref['uid']}) does not "
                                                f"match the UID in record. The object might have been deleted "
                                                f"and then recreated")
    node = None
    if kind == "Pod":
        spec = obj.get("spec") or {}
        if (spec.get("serviceAccountName") or "default") != sa_name:
            raise bad_request(f'cannot bind token for serviceaccount "{sa_name}" to pod running with different '
                              f'serviceaccount name.')
        node_name = spec.get("nodeName")
        if node_name:
            node_obj = cached(state.cache, "nodes", "", str(node_name))
            node = BoundRef("Node", str(node_name), str(((node_obj or {}).get("metadata") or {}).get("uid", "")))
    return BoundRef(kind, name, uid), node


def _restrict_node(account: str, bound: BoundRef | None, pod_node: BoundRef | None) -> None:
    """NodeRestriction: a node asks only for tokens bound to a pod scheduled on it."""
    user = current_user()
    node = node_name(user) if user is not None else None
    if node is None:
        return
    why = ("node requested token not bound to a pod" if bound is None or bound.kind != "Pod"
           else "node requested token bound to a pod scheduled on a different node"
           if pod_node is None or pod_node.name != node else "")
    if why:
        raise StatusError(403, "Forbidden", f'serviceaccounts "{account}" is forbidden: {why}',
                          {"kind": "serviceaccounts", "name": account})


async def create_token(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    tokens = state.service_accounts
    if tokens is None or tokens.signer is None:
        raise StatusError(404, "NotFound", "the server could not find the requested resource: no "
                                           "--service-account-signing-key-file is configured")
    body = decode_object(await read_body(request, state.config.max_body_bytes), request.headers.get("Content-Type", ""))
    audiences, seconds, ref = _spec(body, info.name)
    await state.cache.consistent()
    sa = cached(state.cache, "serviceaccounts", info.namespace, info.name)
    if sa is None:
        raise not_found("serviceaccounts", info.name)
    bound, node = _bound(state, info.namespace, info.name, ref) if ref else (None, None)
    _restrict_node(info.name, bound, node)
    audiences = audiences or list(tokens.audiences)
    claims = claims_for(tokens.issuer, audiences, info.namespace, sa, seconds, bound, node)
    spec: dict[str, Any] = {"audiences": audiences, "expirationSeconds": seconds}
    if bound is not None:
        spec["boundObjectRef"] = {"kind": bound.kind, "apiVersion": "v1", "name": bound.name, "uid": bound.uid}
    result = {"kind": "TokenRequest", "apiVersion": API_VERSION,
              "metadata": {"name": info.name, "namespace": info.namespace, "creationTimestamp": now_rfc3339()},
              "spec": spec, "status": {"token": tokens.signer.sign(claims),
                                       "expirationTimestamp": expiration_timestamp(claims)}}
    return json_response(result, 201)
