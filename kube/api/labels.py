"""Label selectors: the string form (`a=b,c in (d,e),!f`) and metav1.LabelSelector.

A `Selector` is an immutable, canonically ordered tuple of requirements, so two
selectors that mean the same requirements compare equal and print the same, and
the Cython endpoints kernel can intern `requirements` directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# operator names as Kubernetes' selection.Operator spells them
EQUALS = "="
NOT_EQUALS = "!="
IN = "in"
NOT_IN = "notin"
EXISTS = "exists"
DOES_NOT_EXIST = "!"
GREATER_THAN = "gt"
LESS_THAN = "lt"

OPERATORS = (EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN)

Requirement = tuple[str, str, frozenset[str]]

_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_INT_RE = re.compile(r"^[-+]?[0-9]+$")
_NAME_HINT = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
              "an alphanumeric character")


class SelectorError(ValueError):
    """A label selector that cannot be parsed or holds an invalid key, value or operator."""


def key_problem(key: str) -> str | None:
    """Why `key` is not a valid label key (a qualified name), or None when it is."""
    if not key:
        return "name part must be non-empty"
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "prefix part must be non-empty"
        if len(prefix) > 253:
            return "prefix part must be no more than 253 characters"
        if not _DNS1123_SUBDOMAIN_RE.match(prefix):
            return ("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                    "characters, '-' or '.', and must start and end with an alphanumeric character")
        if "/" in prefix:
            return "a qualified name must consist of an optional prefix, a '/' and a name"
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not _NAME_RE.match(name):
        return "name part " + _NAME_HINT
    return None


def value_problem(value: str) -> str | None:
    """Why `value` is not a valid label value, or None when it is (the empty value is valid)."""
    if value == "":
        return None
    if len(value) > 63:
        return "must be no more than 63 characters"
    if not _NAME_RE.match(value):
        return "a valid label " + _NAME_HINT
    return None


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def requirement(key: str, op: str, values: Iterable[str] = ()) -> Requirement:
    """A validated requirement; the rules are those of Kubernetes' labels.NewRequirement."""
    vals = frozenset(values)
    problem = key_problem(key) if isinstance(key, str) else "must be a string"
    if problem:
        raise SelectorError(f"key: Invalid value: {_quote(str(key))}: {problem}")
    if op == "==":
        op = EQUALS
    if op not in OPERATORS:
        raise SelectorError(f"operator: Unsupported value: {_quote(str(op))}: supported values: "
                            + ", ".join(_quote(o) for o in OPERATORS))
    if op in (IN, NOT_IN) and not vals:
        raise SelectorError("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty")
    if op in (EQUALS, NOT_EQUALS) and len(vals) != 1:
        raise SelectorError(f"values: Invalid value: {sorted(vals)}: exact-match compatibility requires one single value")
    if op in (EXISTS, DOES_NOT_EXIST) and vals:
        raise SelectorError(f"values: Invalid value: {sorted(vals)}: values set must be empty for exists and does not exist")
    if op in (GREATER_THAN, LESS_THAN):
        if len(vals) != 1:
            raise SelectorError(f"values: Invalid value: {sorted(vals)}: for 'Gt', 'Lt' operators, "
                                "exactly one value is required")
        (only,) = vals
        if not _INT_RE.match(only):
            raise SelectorError(f"values[0]: Invalid value: {_quote(only)}: for 'Gt', 'Lt' operators, "
                                "the value must be an integer")
    for i, v in enumerate(sorted(vals)):
        problem = value_problem(v) if isinstance(v, str) else "must be a string"
        if problem and op not in (GREATER_THAN, LESS_THAN):
            raise SelectorError(f"values[{i}][{key}]: Invalid value: {_quote(str(v))}: {problem}")
    return (key, op, vals)


def requirement_matches(req: Requirement, labels: Mapping[str, str]) -> bool:
    """Whether one requirement holds for a label set (Kubernetes' Requirement.Matches)."""
    key, op, vals = req
    present = key in labels
    if op == EQUALS or op == IN:
        return present and labels[key] in vals
    if op == NOT_EQUALS or op == NOT_IN:
        return not present or labels[key] not in vals
    if op == EXISTS:
        return present
    if op == DOES_NOT_EXIST:
        return not present
    if not present or not _INT_RE.match(labels[key]):
        return False
    (bound,) = vals
    have = int(labels[key])
    return have > int(bound) if op == GREATER_THAN else have < int(bound)


def requirement_string(req: Requirement) -> str:
    key, op, vals = req
    if op == EXISTS:
        return key
    if op == DOES_NOT_EXIST:
        return "!" + key
    if op in (IN, NOT_IN):
        return f"{key} {op} ({','.join(sorted(vals))})"
    (only,) = vals
    symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
    return f"{key}{symbol}{only}"


def _sort_key(req: Requirement) -> tuple[str, str, tuple[str, ...]]:
    return (req[0], req[1], tuple(sorted(req[2])))


class Selector:
    """An immutable label selector: all requirements must hold (an empty one matches everything)."""

    __slots__ = ("_reqs", "_nothing")

    def __init__(self, requirements: Iterable[Requirement] = (), *, nothing: bool = False) -> None:
        self._reqs: tuple[Requirement, ...] = tuple(sorted(requirements, key=_sort_key))
        self._nothing = nothing

    @classmethod
    def everything(cls) -> Selector:
        return cls()

    @classmethod
    def nothing(cls) -> Selector:
        """What a nil metav1.LabelSelector means: matches no object at all."""
        return cls(nothing=True)

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """(key, operator, frozenset(values)) in canonical order, for kernels that intern them."""
        return self._reqs

    @property
    def matches_nothing(self) -> bool:
        return self._nothing

    def empty(self) -> bool:
        """True for the selector that matches everything (Kubernetes' Selector.Empty)."""
        return not self._reqs and not self._nothing

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self._nothing:
            return False
        labels = labels or {}
        for req in self._reqs:  # a plain loop: the scheduler calls this for every pod and selector
            if not requirement_matches(req, labels):
                return False
        return True

    def exact_value(self, key: str) -> str | None:
        """The value `key` must equal (from `key=v` or `key in (v)`), or None."""
        for k, op, vals in self._reqs:
            if k == key and op in (EQUALS, IN) and len(vals) == 1:
                return next(iter(vals))
        return None

    def add(self, *reqs: Requirement) -> Selector:
        return Selector(self._reqs + reqs, nothing=self._nothing)

    def __str__(self) -> str:
        return ",".join(requirement_string(r) for r in self._reqs)

    def __repr__(self) -> str:
        return "Selector(<nothing>)" if self._nothing else f"Selector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Selector):
            return NotImplemented
        return self._nothing == other._nothing and self._reqs == other._reqs

    def __hash__(self) -> int:
        return hash((self._nothing, self._reqs))


def from_labels(labels: Mapping[str, str] | None) -> Selector:
    """The selector `k1=v1,k2=v2` that a plain label map means (e.g. Service.spec.selector)."""
    return Selector(requirement(k, EQUALS, (v,)) for k, v in (labels or {}).items())


# ---- string form ---------------------------------------------------------------------------------

_SYMBOLS = ("!=", "==", "=", "!", "(", ")", ",", ">", "<")
_SPECIAL = set("!=(),<> \t\n\r")


def _tokenize(text: str) -> list[str]:
    """Split into identifiers and symbols; identifiers are runs of anything but symbols and blanks."""
    tokens: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in " \t\n\r":
            i += 1
            continue
        for sym in _SYMBOLS:
            if text.startswith(sym, i):
                tokens.append(sym)
                i += len(sym)
                break
        else:
            j = i
            while j < len(text) and text[j] not in _SPECIAL:
                j += 1
            tokens.append(text[i:j])
            i = j
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | None:
        tok = self.peek()
        self.pos += 1
        return tok

    def fail(self, found: str | None, expected: str) -> SelectorError:
        shown = "" if found is None else found
        return SelectorError(f"found '{shown}', expected: {expected}")

    def identifier(self, expected: str) -> str:
        tok = self.take()
        if tok is None or tok in _SYMBOLS or tok in (IN, NOT_IN):
            raise self.fail(tok, expected)
        return tok

    def requirement(self) -> Requirement:
        if self.peek() == "!":
            self.take()
            return requirement(self.identifier("identifier after '!'"), DOES_NOT_EXIST)
        key = self.identifier("identifier")
        op = self.peek()
        if op is None or op == ",":
            return requirement(key, EXISTS)
        self.take()
        if op in ("=", "==", "!="):
            value = self.peek()
            if value is None or value == ",":  # `a=` selects the empty value
                return requirement(key, EQUALS if op != "!=" else NOT_EQUALS, ("",))
            return requirement(key, EQUALS if op != "!=" else NOT_EQUALS, (self.identifier("identifier"),))
        if op in (">", "<"):
            return requirement(key, GREATER_THAN if op == ">" else LESS_THAN, (self.identifier("integer"),))
        if op in (IN, NOT_IN):
            return requirement(key, op, self.values())
        raise self.fail(op, "in, notin, =, ==, !=, >, <")

    def values(self) -> list[str]:
        tok = self.take()
        if tok != "(":
            raise self.fail(tok, "'('")
        values: list[str] = []
        expect_value = True
        while True:
            tok = self.take()
            if tok == ")":
                if expect_value:  # `()` and `(a,)` hold the empty value, as Kubernetes reads them
                    values.append("")
                return values
            if tok == ",":
                if expect_value:
                    values.append("")
                expect_value = True
                continue
            if tok is None or tok in _SYMBOLS or not expect_value:
                raise self.fail(tok, "',' or ')'")
            values.append(tok)
            expect_value = False

    def parse(self) -> Selector:
        reqs: list[Requirement] = []
        if self.peek() is None:
            return Selector()
        while True:
            reqs.append(self.requirement())
            tok = self.take()
            if tok is None:
                return Selector(reqs)
            if tok != ",":
                raise self.fail(tok, "','")
            if self.peek() is None:
                raise self.fail(None, "identifier")


def parse(text: str) -> Selector:
    """Parse the string form (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`)."""
    if not isinstance(text, str):
        raise SelectorError(f"a label selector must be a string, not {type(text).__name__}")
    return _Parser(text).parse()


# ---- metav1.LabelSelector ------------------------------------------------------------------------

_EXPRESSION_OPS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def from_label_selector(selector: Mapping[str, Any] | None) -> Selector:
    """Kubernetes' LabelSelectorAsSelector: None matches nothing, {} matches everything."""
    if selector is None:
        return Selector.nothing()
    if not isinstance(selector, Mapping):
        raise SelectorError(f"a label selector must be an object, not {type(selector).__name__}")
    reqs: list[Requirement] = []
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        raise SelectorError("matchLabels: Invalid value: must be a map of strings")
    for key, value in match_labels.items():
        if not isinstance(value, str):
            raise SelectorError(f"matchLabels[{key}]: Invalid value: {value!r}: must be a string")
        reqs.append(requirement(key, EQUALS, (value,)))
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise SelectorError("matchExpressions: Invalid value: must be a list")
    for i, expr in enumerate(expressions):
        if not isinstance(expr, Mapping):
            raise SelectorError(f"matchExpressions[{i}]: Invalid value: must be an object")
        op = expr.get("operator")
        if op not in _EXPRESSION_OPS:
            raise SelectorError(f'matchExpressions[{i}].operator: Invalid value: "{op}": '
                                "is not a valid label selector operator")
        values = expr.get("values") or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise SelectorError(f"matchExpressions[{i}].values: Invalid value: must be a list of strings")
        try:
            reqs.append(requirement(expr.get("key", ""), _EXPRESSION_OPS[op], values))
        except SelectorError as exc:
            raise SelectorError(f"matchExpressions[{i}]: {exc}") from None
    return Selector(reqs)


def to_label_selector_string(selector: Mapping[str, Any] | None) -> str:
    """The `labelSelector` query form of a metav1.LabelSelector ("" for None or {})."""
    return str(from_label_selector(selector))
