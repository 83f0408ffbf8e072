"""`--audit-policy-file`: Kubernetes' audit.k8s.io/v1 Policy, read once and asked per request.

The rules are k8s.io/apiserver/pkg/audit/policy/checker.go's: the first rule that matches
decides the level (none matching: None); a rule matches when each thing it names matches
(users, userGroups, verbs; then resources and namespaces for resource requests, or
nonResourceURLs for the others). A resource entry matches `pods`, `pods/log`, `*`,
`*/status` and `pods/*`, optionally only for resourceNames. The stages omitted are the
policy's and the rule's together; omitManagedFields is the rule's when it says, else the
policy's. A file that does not parse or validate is one `AuditPolicyError` line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kube.api.yaml_decode import YamlError, load_all

LEVELS = ("None", "Metadata", "Request", "RequestResponse")
STAGES = ("RequestReceived", "ResponseStarted", "ResponseComplete", "Panic")
API_VERSIONS = ("audit.k8s.io/v1",)


class AuditPolicyError(ValueError):
    """The policy file is not valid (one line naming the field)."""


@dataclass(slots=True)  # not frozen: made once per request, and a frozen dataclass is slow to make
class Attributes:
    """What a rule is matched against: who, and what the request addresses."""

    user: str | None  # None: not authenticated
    groups: tuple[str, ...]
    verb: str
    resource_request: bool
    path: str = ""
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class GroupResources:
    group: str
    resources: tuple[str, ...]
    resource_names: tuple[str, ...]

    def matches(self, a: Attributes) -> bool:
        if self.group != a.api_group:
            return False
        if not self.resources:
            return True
        if self.resource_names and a.name not in self.resource_names:
            return False
        combined = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
        for res in self.resources:
            if res in (combined, "*"):
                return True
            if a.subresource and res.startswith("*/") and res[2:] == a.subresource:
                return True
            if res.endswith("/*") and res[:-2] == a.resource:
                return True
        return False


@dataclass(frozen=True, slots=True)
class Rule:
    level: str
    users: frozenset[str] = frozenset()
    user_groups: frozenset[str] = frozenset()
    verbs: frozenset[str] = frozenset()
    resources: tuple[GroupResources, ...] = ()
    namespaces: frozenset[str] = frozenset()
    non_resource_urls: tuple[str, ...] = ()
    omit_stages: frozenset[str] = frozenset()
    omit_managed_fields: bool | None = None

    def matches(self, a: Attributes) -> bool:
        if self.users and (a.user is None or a.user not in self.users):
            return False
        if self.user_groups and not any(g in self.user_groups for g in a.groups):
            return False
        if self.verbs and a.verb not in self.verbs:
            return False
        if self.namespaces or self.resources:
            if not a.resource_request or (self.namespaces and a.namespace not in self.namespaces):
                return False
            return not self.resources or any(gr.matches(a) for gr in self.resources)
        if self.non_resource_urls:
            return not a.resource_request and any(_path_matches(a.path, spec) for spec in self.non_resource_urls)
        return True


def _path_matches(path: str, spec: str) -> bool:
    return spec in ("*", path) or (spec.endswith("*") and path.startswith(spec.rstrip("*")))


@dataclass(frozen=True, slots=True)
class Decision:
    """What the policy says of one request."""

    level: str
    omit_stages: frozenset[str]
    omit_managed_fields: bool


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    omit_stages: frozenset[str] = frozenset()
    omit_managed_fields: bool = False
    _none: Decision = field(init=False, repr=False, compare=False)
    _decisions: tuple[tuple[Rule, Decision], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_none", Decision("None", self.omit_stages, self.omit_managed_fields))
        object.__setattr__(self, "_decisions", tuple(
            (r, Decision(r.level, self.omit_stages | r.omit_stages,
                         self.omit_managed_fields if r.omit_managed_fields is None else r.omit_managed_fields))
            for r in self.rules))  # each rule's answer made once

    def decide(self, a: Attributes) -> Decision:
        for rule, decision in self._decisions:
            if rule.matches(a):
                return decision
        return self._none


def load(path: str) -> Policy:
    """The policy in `path`; AuditPolicyError (one line) if it cannot be read or is not valid."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise AuditPolicyError(f"failed to read audit policy file {path!r}: {exc.strerror or exc}") from None
    try:
        docs = [d for d in load_all(raw) if d is not None]
    except YamlError as exc:
        raise AuditPolicyError(f"failed decoding audit policy file {path!r}: {' '.join(str(exc).split())}") from None
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise AuditPolicyError(f"invalid audit policy file {path!r}: expected one Policy object")
    try:
        return parse(docs[0])
    except AuditPolicyError as exc:
        raise AuditPolicyError(f"invalid audit policy file {path!r}: {exc}") from None


def parse(doc: dict[str, Any]) -> Policy:
    if doc.get("kind") != "Policy" or doc.get("apiVersion") not in API_VERSIONS:
        raise AuditPolicyError(f"expected kind Policy, apiVersion {API_VERSIONS[0]}; got kind "
                               f"{doc.get('kind')!r}, apiVersion {doc.get('apiVersion')!r}")
    rules_doc = doc.get("rules")
    if not isinstance(rules_doc, list) or not rules_doc:
        raise AuditPolicyError("loaded illegal policy with 0 rules")
    omit = _stages(doc.get("omitStages"), "omitStages")
    rules = tuple(_rule(r, f"rules[{i}]") for i, r in enumerate(rules_doc))
    return Policy(rules, omit, _bool(doc.get("omitManagedFields"), "omitManagedFields") or False)


def _rule(doc: Any, where: str) -> Rule:
    if not isinstance(doc, dict):
        raise AuditPolicyError(f"{where}: must be an object")
    level = doc.get("level")
    if level is None or level == "":
        raise AuditPolicyError(f"{where}.level: Required value")
    if level not in LEVELS:
        raise AuditPolicyError(f'{where}.level: Unsupported value: {level!r}: supported values: '
                               f'{", ".join(repr(v) for v in LEVELS)}')
    resources = tuple(_group_resources(g, f"{where}.resources[{i}]")
                      for i, g in enumerate(_list(doc.get("resources"), f"{where}.resources", dict)))
    urls = tuple(_list(doc.get("nonResourceURLs"), f"{where}.nonResourceURLs", str))
    namespaces = frozenset(_list(doc.get("namespaces"), f"{where}.namespaces", str))
    if urls and (resources or namespaces):
        raise AuditPolicyError(f"{where}.nonResourceURLs: Invalid value: rules cannot apply to both regular "
                               f"resources and non-resource URLs")
    for i, url in enumerate(urls):
        if not url.startswith("/") and url != "*" or "*" in url[:-1]:
            raise AuditPolicyError(f"{where}.nonResourceURLs[{i}]: Invalid value: {url!r}: non-resource URLs "
                                   f"must start with '/' and may hold '*' only as the last character")
    return Rule(level=level, users=frozenset(_list(doc.get("users"), f"{where}.users", str)),
                user_groups=frozenset(_list(doc.get("userGroups"), f"{where}.userGroups", str)),
                verbs=frozenset(_list(doc.get("verbs"), f"{where}.verbs", str)), resources=resources,
                namespaces=namespaces, non_resource_urls=urls,
                omit_stages=_stages(doc.get("omitStages"), f"{where}.omitStages"),
                omit_managed_fields=_bool(doc.get("omitManagedFields"), f"{where}.omitManagedFields"))


def _group_resources(doc: dict[str, Any], where: str) -> GroupResources:
    group = doc.get("group", "")
    if not isinstance(group, str):
        raise AuditPolicyError(f"{where}.group: must be a string")
    resources = tuple(_list(doc.get("resources"), f"{where}.resources", str))
    names = tuple(_list(doc.get("resourceNames"), f"{where}.resourceNames", str))
    for i, res in enumerate(resources):
        if not res or res.count("/") > 1 or ("*" in res and res not in ("*",) and not
                                            (res.startswith("*/") or res.endswith("/*"))):
            raise AuditPolicyError(f"{where}.resources[{i}]: Invalid value: {res!r}")
    return GroupResources(group, resources, names)


def _list(value: Any, where: str, kind: type) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
        raise AuditPolicyError(f"{where}: must be a list of {'strings' if kind is str else 'objects'}")
    return value


def _stages(value: Any, where: str) -> frozenset[str]:
    stages = _list(value, where, str)
    for i, s in enumerate(stages):
        if s not in STAGES:
            raise AuditPolicyError(f'{where}[{i}]: Unsupported value: {s!r}: supported values: '
                                   f'{", ".join(repr(v) for v in STAGES)}')
    return frozenset(stages)


def _bool(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise AuditPolicyError(f"{where}: must be true or false")
