"""Field selectors (`metadata.name=x,status.phase!=Running`) with each kind's selectable fields.

Kubernetes only lets a client select on a small set of fields per kind and
rejects any other with `field label not supported: <f>`; the same table lets
the API server index lists by e.g. `spec.nodeName`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

EQUALS = "="
NOT_EQUALS = "!="

FieldRequirement = tuple[str, str, str]  # (field, operator, value)


class FieldSelectorError(ValueError):
    """A field selector that cannot be parsed or names a field the kind does not support."""


def _text(value: Any) -> str:
    """A field's value as Kubernetes' field set holds it (bools as true/false, missing as "")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _at(*path: str) -> Callable[[dict[str, Any]], str]:
    def get(obj: dict[str, Any]) -> str:
        cur: Any = obj
        for part in path:
            if not isinstance(cur, dict):
                return ""
            cur = cur.get(part)
        return _text(cur)

    return get


_COMMON = {"metadata.name": _at("metadata", "name"), "metadata.namespace": _at("metadata", "namespace")}

_BY_KIND: dict[str, dict[str, Callable[[dict[str, Any]], str]]] = {
    "Pod": {
        "spec.nodeName": _at("spec", "nodeName"),
        "spec.restartPolicy": _at("spec", "restartPolicy"),
        "spec.schedulerName": _at("spec", "schedulerName"),
        "spec.serviceAccountName": _at("spec", "serviceAccountName"),
        "spec.hostNetwork": lambda o: _text(bool((o.get("spec") or {}).get("hostNetwork"))),
        "status.phase": _at("status", "phase"),
        "status.podIP": _at("status", "podIP"),
        "status.nominatedNodeName": _at("status", "nominatedNodeName"),
    },
    "Event": {
        **{f"involvedObject.{f}": _at("involvedObject", f)
           for f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")},
        "reason": _at("reason"),
        "reportingComponent": _at("reportingComponent"),
        "source": _at("source", "component"),
        "type": _at("type"),
    },
    "Node": {"spec.unschedulable": lambda o: _text(bool((o.get("spec") or {}).get("unschedulable")))},
    "Secret": {"type": _at("type")},
    "CertificateSigningRequest": {"spec.signerName": _at("spec", "signerName")},
    "Namespace": {"status.phase": _at("status", "phase")},
    "ReplicaSet": {"status.replicas": lambda o: _text((o.get("status") or {}).get("replicas") or 0)},
}


def supported_fields(kind: str) -> list[str]:
    """The fields `kind` can be selected on, sorted."""
    return sorted({**_COMMON, **_BY_KIND.get(kind, {})})


def field_value(obj: dict[str, Any], field: str, kind: str) -> str:
    """The string value of a selectable field of `obj` (raises FieldSelectorError if unsupported)."""
    getter = _BY_KIND.get(kind, {}).get(field) or _COMMON.get(field)
    if getter is None:
        raise FieldSelectorError(f"field label not supported: {field}")
    return getter(obj)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not escaped with a backslash (escapes are kept for later)."""
    terms: list[str] = []
    start = 0
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ",":
            terms.append(text[start:i])
            start = i + 1
        i += 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    """(field, op, raw value) at the first unescaped operator, preferring `!=` and `==` over `=`."""
    i = 0
    while i < len(term):
        if term[i] == "\\":
            i += 2
            continue
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op):]
        i += 1
    return None


def _unescape(raw: str, term: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\":
            if i + 1 >= len(raw) or raw[i + 1] not in "\\,=":
                raise FieldSelectorError(f"invalid field selector: '{term}': invalid escape sequence")
            out.append(raw[i + 1])
            i += 2
            continue
        if ch in ",=":
            raise FieldSelectorError(f"invalid field selector: '{term}': unescaped '{ch}' in value")
        out.append(ch)
        i += 1
    return "".join(out)


class FieldSelector:
    """An immutable conjunction of `field=value` / `field!=value` requirements for one kind."""

    __slots__ = ("kind", "requirements")

    def __init__(self, kind: str, requirements: Iterable[FieldRequirement] = ()) -> None:
        self.kind = kind
        self.requirements: tuple[FieldRequirement, ...] = tuple(sorted(requirements))
        for field, _op, _value in self.requirements:
            if field not in _COMMON and field not in _BY_KIND.get(kind, {}):
                raise FieldSelectorError(f"field label not supported: {field}")

    def empty(self) -> bool:
        return not self.requirements

    def matches(self, obj: dict[str, Any]) -> bool:
        for field, op, value in self.requirements:
            have = field_value(obj, field, self.kind)
            if (have == value) != (op == EQUALS):
                return False
        return True

    def exact_value(self, field: str) -> str | None:
        """The value `field` must equal, or None (lets the server index, e.g. `spec.nodeName=n1`)."""
        for f, op, value in self.requirements:
            if f == field and op == EQUALS:
                return value
        return None

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{_escape(v)}" for f, op, v in self.requirements)

    def __repr__(self) -> str:
        return f"FieldSelector({self.kind!r}, {str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSelector):
            return NotImplemented
        return self.kind == other.kind and self.requirements == other.requirements

    def __hash__(self) -> int:
        return hash((self.kind, self.requirements))


def parse_field_selector(text: str, kind: str) -> FieldSelector:
    """Parse `f=v`, `f==v`, `f!=v`, comma-joined (`\\,` `\\=` `\\\\` escape inside values)."""
    if not isinstance(text, str):
        raise FieldSelectorError(f"a field selector must be a string, not {type(text).__name__}")
    if not text.strip():
        return FieldSelector(kind)
    reqs: list[FieldRequirement] = []
    for term in _split_terms(text):
        parts = _split_term(term)
        if parts is None or not parts[0].strip():
            raise FieldSelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        field, op, raw = parts
        reqs.append((field.strip(), NOT_EQUALS if op == "!=" else EQUALS, _unescape(raw, term)))
    return FieldSelector(kind, reqs)


def one_term(field: str, value: str) -> str:
    """The selector text `field=value` with the value escaped (for clients building queries)."""
    return f"{field}={_escape(value)}"
