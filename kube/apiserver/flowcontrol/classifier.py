"""Which FlowSchema, priority level and flow a request belongs to, as Kubernetes' APF decides.

FlowSchemas are tried in order of spec.matchingPrecedence, then name; the first whose
rules match wins (a rule matches when one of its subjects does and one of its resource
or non-resource rules does). A schema naming a priority level that does not exist is
"dangling" and skipped. Its distinguisher method makes the flow: ByUser -> the user
name, ByNamespace -> the namespace, none -> "". When nothing matches the request goes to
catch-all, which the caller guarantees is among the objects (bootstrap_objects.with_mandatory).
Decisions are memoised per request digest; a new configuration is a new Classifier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kube.api.meta import Obj
from kube.apiserver.auth.serviceaccount_tokens import SA_PREFIX

ALL = "*"
CATCH_ALL = "catch-all"
DEFAULT_PRECEDENCE = 1000  # the API's default for spec.matchingPrecedence
CACHE_SIZE = 65536


@dataclass(frozen=True, slots=True)
class RequestDigest:
    """What classification reads of a request: who, and what it addresses."""

    user: str
    groups: tuple[str, ...]
    verb: str  # a resource verb (get, list, ...) or, for a non-resource path, the lower-case method
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""  # "" is cluster scope
    path: str = ""  # the non-resource path ("" for a resource request)
    is_resource: bool = True


@dataclass(frozen=True, slots=True)
class Classification:
    flow_schema: Obj
    priority_level: Obj
    distinguisher: str

    @property
    def flow_schema_name(self) -> str:
        return str(self.flow_schema["metadata"]["name"])

    @property
    def priority_level_name(self) -> str:
        return str(self.priority_level["metadata"]["name"])

    @property
    def exempt(self) -> bool:
        return (self.priority_level.get("spec") or {}).get("type") == "Exempt"


Predicate = Callable[[RequestDigest], bool]


def _contains(values: set[str], wanted: str) -> bool:
    return wanted in values or ALL in values


def _subject(subject: Obj) -> Predicate:
    kind = subject.get("kind")
    if kind == "User":
        name = (subject.get("user") or {}).get("name")
        return lambda d: name == ALL or name == d.user
    if kind == "Group":
        group = (subject.get("group") or {}).get("name")
        return lambda d: group == ALL or group in d.groups
    if kind == "ServiceAccount":
        sa = subject.get("serviceAccount") or {}
        namespace, name = sa.get("namespace") or "", sa.get("name") or ""
        if name == ALL:
            prefix = f"{SA_PREFIX}{namespace}:"
            return lambda d: d.user.startswith(prefix) and len(d.user) > len(prefix)
        username = f"{SA_PREFIX}{namespace}:{name}"
        return lambda d: d.user == username
    return lambda d: False


def _resource_rule(rule: Obj) -> Predicate:
    verbs, groups = set(rule.get("verbs") or ()), set(rule.get("apiGroups") or ())
    resources, namespaces = set(rule.get("resources") or ()), set(rule.get("namespaces") or ())
    cluster_scope = bool(rule.get("clusterScope"))

    def matches(d: RequestDigest) -> bool:
        if not d.is_resource or not _contains(verbs, d.verb) or not _contains(groups, d.api_group):
            return False
        resource = f"{d.resource}/{d.subresource}" if d.subresource else d.resource
        if not _contains(resources, resource):
            return False
        return cluster_scope if not d.namespace else _contains(namespaces, d.namespace)
    return matches


def url_matches(pattern: str, path: str) -> bool:
    """A nonResourceURLs entry: "*" matches every path, "/x/*" every path under /x/, else the exact path."""
    if pattern == ALL or pattern == path:
        return True
    return pattern.endswith(ALL) and path.startswith(pattern[:-1])


def _non_resource_rule(rule: Obj) -> Predicate:
    verbs, urls = set(rule.get("verbs") or ()), list(rule.get("nonResourceURLs") or ())
    return lambda d: (not d.is_resource and _contains(verbs, d.verb)
                      and any(url_matches(u, d.path) for u in urls))


def _rule(rule: Obj) -> Predicate:
    subjects = [_subject(s) for s in rule.get("subjects") or () if isinstance(s, dict)]
    targets = [*(_resource_rule(r) for r in rule.get("resourceRules") or () if isinstance(r, dict)),
               *(_non_resource_rule(r) for r in rule.get("nonResourceRules") or () if isinstance(r, dict))]
    return lambda d: any(s(d) for s in subjects) and any(t(d) for t in targets)


def precedence(schema: Obj) -> tuple[int, str]:
    """The order schemas are tried in."""
    value = (schema.get("spec") or {}).get("matchingPrecedence")
    return (value if isinstance(value, int) else DEFAULT_PRECEDENCE), str(schema["metadata"]["name"])


@dataclass(frozen=True, slots=True)
class _Schema:
    obj: Obj
    level: Obj
    rules: tuple[Predicate, ...]
    method: str

    def distinguisher(self, d: RequestDigest) -> str:
        if self.method == "ByUser":
            return d.user
        if self.method == "ByNamespace":
            return d.namespace
        return ""


class Classifier:
    def __init__(self, flow_schemas: list[Obj], priority_levels: list[Obj]) -> None:
        self.levels = {str(o["metadata"]["name"]): o for o in priority_levels}
        self.schemas: list[_Schema] = []
        for fs in sorted(flow_schemas, key=precedence):
            spec = fs.get("spec") or {}
            level = self.levels.get((spec.get("priorityLevelConfiguration") or {}).get("name", ""))
            if level is None:  # dangling: Kubernetes skips it
                continue
            rules = tuple(_rule(r) for r in spec.get("rules") or () if isinstance(r, dict))
            method = (spec.get("distinguisherMethod") or {}).get("type", "")
            self.schemas.append(_Schema(fs, level, rules, method))
        self._fallback = next((s for s in self.schemas if s.obj["metadata"]["name"] == CATCH_ALL), None)
        self._memo: dict[RequestDigest, Classification] = {}

    def classify(self, d: RequestDigest) -> Classification:
        found = self._memo.get(d)
        if found is not None:
            return found
        schema = next((s for s in self.schemas if any(r(d) for r in s.rules)), self._fallback)
        if schema is None:
            raise LookupError("no FlowSchema matches and there is no catch-all")
        found = Classification(schema.obj, schema.level, schema.distinguisher(d))
        if len(self._memo) >= CACHE_SIZE:
            self._memo = {}
        self._memo[d] = found
        return found
