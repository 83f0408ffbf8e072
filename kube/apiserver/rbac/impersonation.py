"""Impersonation: `Impersonate-User`, `-Group`, `-Uid` and `-Extra-<key>` headers (kubectl --as ...).

As Kubernetes' endpoints/filters/impersonation.go: each thing asked for is itself authorized
as the verb `impersonate` (users, groups, uids, userextras/<key>, or the ServiceAccount
itself for `system:serviceaccount:<ns>:<name>`), and the request then runs as that user,
in system:authenticated (a ServiceAccount also in its two groups), with the uid and extra
asked for (an extra's key is the header's tail, lower-cased and percent-decoded, as there).
Groups, uid or extras without a user are a 400, as there.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from multidict import CIMultiDictProxy

from kube.api.errors import bad_request
from kube.apiserver.auth.authorizer import Chain, forbidden
from kube.apiserver.auth.user import AUTHENTICATED_GROUP, UserInfo, extra_of
from kube.apiserver.rbac.rules import Request

SA_PREFIX = "system:serviceaccount:"
AUTHN_GROUP = "authentication.k8s.io"
EXTRA_PREFIX = "impersonate-extra-"


def _check(chain: Chain | None, user: UserInfo, req: Request) -> None:
    if chain is None:
        return
    allowed, reason = chain.decide(user, req)
    if not allowed:
        raise forbidden(user, req, reason)


def impersonate(chain: Chain | None, user: UserInfo, headers: CIMultiDictProxy[str] | Mapping[str, str]) -> UserInfo:
    """The user the request runs as: `user` itself, or whom it may and does impersonate."""
    getall = headers.getall if isinstance(headers, CIMultiDictProxy) else None
    name = headers.get("Impersonate-User")
    groups = list(getall("Impersonate-Group", [])) if getall else []
    uid = headers.get("Impersonate-Uid")
    extras = [k for k in headers if k.lower().startswith(EXTRA_PREFIX)]
    if name is None:
        if groups or uid or extras:
            raise bad_request("requested impersonation of groups, uid or extra without impersonating a user")
        return user
    if name.startswith(SA_PREFIX) and name.count(":") == 3:
        ns, sa = name[len(SA_PREFIX):].split(":")
        _check(chain, user, Request("impersonate", "serviceaccounts", "", ns, "", sa))
        implied = ["system:serviceaccounts", f"system:serviceaccounts:{ns}"]
    else:
        _check(chain, user, Request("impersonate", "users", name=name))
        implied = []
    for g in groups:
        _check(chain, user, Request("impersonate", "groups", name=g))
    if uid:
        _check(chain, user, Request("impersonate", "uids", group=AUTHN_GROUP, name=uid))
    extra: dict[str, list[str]] = {}
    for key in {k.lower(): k for k in extras}.values():  # a repeated header is listed once per value
        sub = unquote(key[len(EXTRA_PREFIX):].lower())
        for value in (getall(key, []) if getall else [headers[key]]):
            _check(chain, user, Request("impersonate", "userextras", sub, "", AUTHN_GROUP, value))
            extra.setdefault(sub, []).append(value)
    all_groups = [*groups, *(g for g in implied if g not in groups)]
    if name != "system:anonymous" and AUTHENTICATED_GROUP not in all_groups:
        all_groups.append(AUTHENTICATED_GROUP)
    return UserInfo(name, tuple(all_groups), uid or "", extra_of(extra))
