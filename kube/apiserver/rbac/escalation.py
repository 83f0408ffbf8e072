"""Escalation prevention: nobody grants, through a Role or a binding, what they do not hold.

As Kubernetes' pkg/registry/rbac: writing a Role or ClusterRole needs every one of its rules
held by the writer (in that namespace, or cluster-wide), unless the writer may `escalate` on
roles/clusterroles; writing a binding needs the bound role's rules held, unless the writer may
`bind` that role by name. system:masters may do both. Checked only when RBAC is one of the
authorization modes (the Builtin policy has no rules to compare with).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kube.api.errors import StatusError
from kube.api.meta import Obj
from kube.apiserver.auth.request_user import current_user
from kube.apiserver.auth.user import MASTERS_GROUP, UserInfo
from kube.apiserver.rbac.rules import Request, Rule, compile_rules, covers

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState

GROUP = "rbac.authorization.k8s.io"
_PLURALS = {"Role": "roles", "ClusterRole": "clusterroles", "RoleBinding": "rolebindings",
            "ClusterRoleBinding": "clusterrolebindings"}


def _describe(rule: Rule) -> str:
    if rule.urls:
        return f"{{NonResourceURLs:{json.dumps(sorted(rule.urls))}, Verbs:{json.dumps(sorted(rule.verbs))}}}"
    names = f", ResourceNames:{json.dumps(sorted(rule.names))}" if rule.names else ""
    return (f"{{APIGroups:{json.dumps(sorted(rule.groups))}, Resources:{json.dumps(sorted(rule.resources))}"
            f"{names}, Verbs:{json.dumps(sorted(rule.verbs))}}}")


def _refuse(user: UserInfo, obj: Obj, missing: list[Rule]) -> StatusError:
    plural = _PLURALS[obj["kind"]]
    name = obj["metadata"].get("name", "")
    groups = json.dumps(list(user.groups))
    text = "\n".join(_describe(r) for r in missing)
    return StatusError(403, "Forbidden",
                       f'{plural}.{GROUP} "{name}" is forbidden: user "{user.name}" (groups={groups}) is attempting '
                       f"to grant RBAC permissions not currently held:\n{text}",
                       {"kind": plural, "name": name, "group": GROUP})


def _uncovered(state: ServerState, user: UserInfo, namespace: str, wanted: tuple[Rule, ...]) -> list[Rule]:
    assert state.authorizer is not None
    held, _ = state.authorizer.rules_for(user, namespace)
    return [r for r in wanted if not covers(held, r)]


def _checked_user(state: ServerState) -> UserInfo | None:
    user = current_user()
    if user is None or MASTERS_GROUP in user.groups or state.authorizer is None:
        return None
    if "RBAC" not in state.config.authorization_mode.split(","):
        return None
    return user


def check_role(state: ServerState, obj: Obj) -> None:
    """403 unless the writer holds every rule of the Role/ClusterRole, or may escalate."""
    user = _checked_user(state)
    if user is None:
        return
    ns = obj["metadata"].get("namespace", "")
    plural = _PLURALS[obj["kind"]]
    assert state.authorizer is not None
    if state.authorizer.allows(user, Request("escalate", plural, "", ns, GROUP, obj["metadata"].get("name", ""))):
        return
    missing = _uncovered(state, user, ns, compile_rules(obj.get("rules")))
    if missing:
        raise _refuse(user, obj, missing)


def check_binding(state: ServerState, obj: Obj) -> None:
    """403 unless the writer holds every rule of the bound role, or may bind it."""
    user = _checked_user(state)
    if user is None:
        return
    ns = obj["metadata"].get("namespace", "")
    ref = obj.get("roleRef") or {}
    ref_plural = "clusterroles" if ref.get("kind") == "ClusterRole" else "roles"
    assert state.authorizer is not None
    if state.authorizer.allows(user, Request("bind", ref_plural, "", ns, GROUP, ref.get("name", ""))):
        return
    role = _role_of(state, ns, ref)
    if role is None:
        raise StatusError(403, "Forbidden", f'{_PLURALS[obj["kind"]]}.{GROUP} "{obj["metadata"].get("name", "")}" '
                                           f'is forbidden: user "{user.name}" cannot bind {ref.get("kind")} '
                                           f'"{ref.get("name")}": it does not exist and you may not bind it')
    missing = _uncovered(state, user, ns, compile_rules(role.get("rules")))
    if missing:
        raise _refuse(user, obj, missing)


def _role_of(state: ServerState, namespace: str, ref: Obj) -> Obj | None:
    from kube.api.registry import by_gvk

    kind = by_gvk(GROUP, "v1", str(ref.get("kind", "")))
    if kind is None:
        return None
    key = kind.key(namespace if kind.namespaced else None, str(ref.get("name", "")))
    return state.cache.caches[kind].objects.get(key)
