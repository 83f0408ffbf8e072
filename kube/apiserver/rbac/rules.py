"""PolicyRules compiled for matching, and the one place that says what a rule allows.

The matching is Kubernetes' (pkg/apis/rbac/v1/evaluation_helpers.go): `*` matches every verb,
group or resource; a rule's resource `pods/log` matches that subresource only and `*/scale`
every resource's scale; resourceNames narrow a rule to those names (a list or create, which
names nothing, is not matched by a named rule); a non-resource URL ending in `*` is a prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kube.api.meta import Obj


@dataclass(frozen=True, slots=True)
class Request:
    """What one request asks to do (Kubernetes' authorizer.Attributes less the user)."""

    verb: str
    resource: str = ""  # "" for a non-resource request
    subresource: str = ""
    namespace: str = ""
    group: str = ""
    name: str = ""
    path: str = ""  # non-resource requests only

    @property
    def is_resource(self) -> bool:
        return bool(self.resource)


def _set(values: Any) -> frozenset[str]:
    return frozenset(v for v in values or () if isinstance(v, str))


@dataclass(frozen=True, slots=True)
class Rule:
    verbs: frozenset[str]
    groups: frozenset[str]
    resources: frozenset[str]
    names: frozenset[str]
    urls: tuple[str, ...]

    @classmethod
    def of(cls, rule: Obj) -> Rule:
        return cls(_set(rule.get("verbs")), _set(rule.get("apiGroups")), _set(rule.get("resources")),
                   _set(rule.get("resourceNames")), tuple(_set(rule.get("nonResourceURLs"))))

    def allows(self, req: Request) -> bool:
        if "*" not in self.verbs and req.verb not in self.verbs:
            return False
        if not req.is_resource:
            return any(u == "*" or u == req.path or (u.endswith("*") and req.path.startswith(u[:-1]))
                       for u in self.urls)
        if "*" not in self.groups and req.group not in self.groups:
            return False
        res = self.resources
        if "*" not in res:
            if req.subresource:
                if f"{req.resource}/{req.subresource}" not in res and f"*/{req.subresource}" not in res:
                    return False
            elif req.resource not in res:
                return False
        return not self.names or req.name in self.names

    def as_object(self) -> Obj:
        out: Obj = {"verbs": sorted(self.verbs)}
        if self.urls:
            out["nonResourceURLs"] = sorted(self.urls)
            return out
        out["apiGroups"] = sorted(self.groups)
        out["resources"] = sorted(self.resources)
        if self.names:
            out["resourceNames"] = sorted(self.names)
        return out


def compile_rules(rules: Any) -> tuple[Rule, ...]:
    return tuple(Rule.of(r) for r in rules or () if isinstance(r, dict))


def allowed(rules: tuple[Rule, ...] | list[Rule], req: Request) -> bool:
    return any(r.allows(req) for r in rules)


def _atoms(rule: Rule) -> list[Request]:
    """A rule broken into single requests (one verb, group, resource, name) for coverage checks."""
    if rule.urls:
        return [Request(verb=v, path=u) for v in rule.verbs for u in rule.urls]
    out: list[Request] = []
    for verb in rule.verbs:
        for group in rule.groups:
            for res in rule.resources:
                resource, _, sub = res.partition("/")
                for name in rule.names or ("",):
                    out.append(Request(verb, resource, sub, "", group, name))
    return out


def covers(held: tuple[Rule, ...] | list[Rule], wanted: Rule) -> bool:
    """Does `held` grant everything `wanted` does? (Kubernetes' validation.Covers.)

    A `*` in `wanted` is covered only by a `*` held, since it would grant what exists later."""
    for atom in _atoms(wanted):
        if not any(_covers_atom(h, atom) for h in held):
            return False
    return True


def _covers_atom(held: Rule, atom: Request) -> bool:
    if "*" not in held.verbs and atom.verb not in held.verbs:
        return False
    if not atom.is_resource and atom.path:
        return any(u == "*" or u == atom.path or (u.endswith("*") and atom.path.startswith(u[:-1]))
                   for u in held.urls)
    if "*" not in held.groups and atom.group not in held.groups:
        return False
    res = f"{atom.resource}/{atom.subresource}" if atom.subresource else atom.resource
    if "*" not in held.resources and res not in held.resources:
        if not (atom.subresource and f"*/{atom.subresource}" in held.resources):
            return False
    if held.names:
        return bool(atom.name) and atom.name in held.names
    return True
