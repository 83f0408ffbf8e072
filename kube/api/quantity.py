"""Kubernetes resource quantities (`500m`, `1Gi`, `1e3`), held as exact fractions.

Schedulers and quota compare sums of requests; float drift would make
`0.1 + 0.2` CPUs differ from `300m`. So the value is a `Fraction`, rounded up
to nano precision and capped at 2^63-1 exactly as apimachinery's
`resource.ParseQuantity` does, and printed in its canonical form.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import total_ordering
from typing import Final

SPLIT_RE: Final = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT: Final = f"quantities must match the regular expression '{SPLIT_RE}'"
ERR_NUMERIC: Final = "unable to parse numeric part of quantity"
ERR_SUFFIX: Final = "unable to parse quantity's suffix"

DECIMAL_SI: Final = "DecimalSI"
BINARY_SI: Final = "BinarySI"
DECIMAL_EXPONENT: Final = "DecimalExponent"

_MAX: Final = Fraction(2**63 - 1)
_NANO: Final = 10**9
_SUFFIX_CHARS: Final = frozenset("eEinumkKMGTP")
_DIGITS: Final = frozenset("0123456789")

# suffix -> (base, exponent, format)
_SUFFIXES: Final[dict[str, tuple[int, int, str]]] = {
    "": (10, 0, DECIMAL_SI),
    "n": (10, -9, DECIMAL_SI),
    "u": (10, -6, DECIMAL_SI),
    "m": (10, -3, DECIMAL_SI),
    "k": (10, 3, DECIMAL_SI),
    "M": (10, 6, DECIMAL_SI),
    "G": (10, 9, DECIMAL_SI),
    "T": (10, 12, DECIMAL_SI),
    "P": (10, 15, DECIMAL_SI),
    "E": (10, 18, DECIMAL_SI),
    "Ki": (2, 10, BINARY_SI),
    "Mi": (2, 20, BINARY_SI),
    "Gi": (2, 30, BINARY_SI),
    "Ti": (2, 40, BINARY_SI),
    "Pi": (2, 50, BINARY_SI),
    "Ei": (2, 60, BINARY_SI),
}
_DECIMAL_NAMES: Final = {exp: s for s, (base, exp, _) in _SUFFIXES.items() if base == 10}
_BINARY_NAMES: Final = {exp // 10: s for s, (base, exp, _) in _SUFFIXES.items() if base == 2}


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity; the message is apimachinery's."""


@total_ordering
class Quantity:
    """An immutable quantity: an exact value plus the format it prints in.

    Parsing rounds up to nano precision and caps at 2^63-1; sums and
    differences stay exact (as inf.Dec arithmetic in apimachinery).

    Equality, ordering and hashing use the value only (as `Quantity.Cmp`),
    so `Quantity("1Ki") == Quantity("1024")`.
    """

    __slots__ = ("_value", "_format")

    def __init__(self, value: str | int | float | Fraction | Quantity = 0, fmt: str | None = None) -> None:
        if isinstance(value, Quantity):
            exact, form = value._value, value._format
        elif isinstance(value, Fraction):
            exact, form = _round_and_cap(value), DECIMAL_SI
        else:
            parsed = parse_quantity(value)
            exact, form = parsed._value, parsed._format
        object.__setattr__(self, "_value", exact)
        object.__setattr__(self, "_format", fmt or form)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Quantity is immutable")

    @classmethod
    def _make(cls, value: Fraction, fmt: str) -> Quantity:
        q = object.__new__(cls)
        object.__setattr__(q, "_value", value)
        object.__setattr__(q, "_format", fmt)
        return q

    @classmethod
    def from_millis(cls, millis: int, fmt: str = DECIMAL_SI) -> Quantity:
        return cls._make(_round_and_cap(Fraction(millis, 1000)), fmt)

    @property
    def exact(self) -> Fraction:
        """The exact value (already rounded up to nano precision)."""
        return self._value

    @property
    def format(self) -> str:
        return self._format

    def value(self) -> int:
        """Ceil of the value (as `Quantity.Value`)."""
        return math.ceil(self._value)

    def milli_value(self) -> int:
        """Ceil of the value in thousandths (as `Quantity.MilliValue`)."""
        return math.ceil(self._value * 1000)

    def is_zero(self) -> bool:
        return self._value == 0

    def __add__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = other._format if self._value == 0 else self._format
        return Quantity._make(self._value + other._value, fmt)

    def __sub__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = other._format if self._value == 0 else self._format
        return Quantity._make(self._value - other._value, fmt)

    def __neg__(self) -> Quantity:
        return Quantity._make(-self._value, self._format)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Quantity):
            return self._value == other._value
        return NotImplemented

    def __lt__(self, other: Quantity) -> bool:
        if isinstance(other, Quantity):
            return self._value < other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return self._value != 0

    def __str__(self) -> str:
        return canonical(self._value, self._format)

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"


def parse_quantity(value: str | int | float | Quantity) -> Quantity:
    """Parse as `resource.ParseQuantity` (JSON numbers are accepted as their text)."""
    if isinstance(value, Quantity):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise QuantityError(ERR_FORMAT)
    text = value if isinstance(value, str) else repr(value)
    text = text.strip()
    if not text:
        raise QuantityError(ERR_FORMAT)
    positive, mantissa_text, num, denom, suffix = _split(text)
    base, exponent, fmt = _interpret_suffix(suffix)
    if not _is_decimal(mantissa_text):
        raise QuantityError(ERR_NUMERIC)
    digits = (num + denom).lstrip("0")
    if not digits:
        return Quantity._make(Fraction(0), fmt)
    mantissa = int(digits)
    if base == 10:
        e10 = exponent - len(denom)
        magnitude = len(digits) + e10  # value < 10**magnitude
        if magnitude > 20:
            amount = _MAX
        elif magnitude < -9:
            amount = Fraction(1, _NANO)  # any positive amount rounds up to 1n
        else:
            amount = Fraction(mantissa) * Fraction(10) ** e10
    else:
        amount = Fraction(mantissa * 2**exponent, 10 ** len(denom))
    amount = _round_and_cap(amount)
    if fmt == BINARY_SI and 0 < amount < 1:
        fmt = DECIMAL_SI
    return Quantity._make(amount if positive else -amount, fmt)


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """Port of apimachinery's parseQuantityString: (positive, value, num, denom, suffix)."""
    positive = True
    pos, end = 0, len(text)
    if text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    mantissa_text = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(ERR_FORMAT)
    return positive, mantissa_text, num, denom, text[suffix_start:]


def _is_decimal(text: str) -> bool:
    body = text.lstrip("+-")
    return len(text) - len(body) <= 1 and body not in ("", ".") and body.count(".") <= 1


def _interpret_suffix(suffix: str) -> tuple[int, int, str]:
    known = _SUFFIXES.get(suffix)
    if known:
        return known
    if len(suffix) > 1 and suffix[0] in "eE":
        rest = suffix[1:]
        body = rest[1:] if rest[0] in "+-" else rest
        if body and body.isdigit() and body.isascii():
            exponent = int(rest)
            if -(2**31) <= exponent < 2**31:
                return 10, exponent, DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX)


def _round_and_cap(amount: Fraction) -> Fraction:
    """Round away from zero to nano precision, then cap |amount| at 2^63-1 (as ParseQuantity)."""
    sign = -1 if amount < 0 else 1
    magnitude = abs(amount)
    nanos = math.ceil(magnitude * _NANO)
    magnitude = min(Fraction(nanos, _NANO), _MAX)
    return sign * magnitude


def canonical(value: Fraction, fmt: str) -> str:
    """apimachinery's CanonicalizeBytes: the shortest integer mantissa with a suffix of the format."""
    if value == 0:
        return "0"
    if fmt == BINARY_SI:
        if -1024 < value < 1024 or value.denominator != 1:
            fmt = DECIMAL_SI
        else:
            number, exp1024 = int(value), 0
            while number % 1024 == 0 and exp1024 < 6:
                number //= 1024
                exp1024 += 1
            return f"{number}{_BINARY_NAMES.get(exp1024, '')}"
    number, exponent = _decimal_parts(value)
    if fmt == DECIMAL_EXPONENT:
        return f"{number}e{exponent}" if exponent else str(number)
    if exponent > 18:  # only sums grow past the parse cap; keep them exact with the largest suffix
        number, exponent = number * 10 ** (exponent - 18), 18
    return f"{number}{_DECIMAL_NAMES[exponent]}"


def _decimal_parts(value: Fraction) -> tuple[int, int]:
    """(m, e) with value == m * 10**e, e a multiple of 3 and m an integer with as few digits as possible."""
    exponent = 0
    while value.denominator != 1:
        value *= 10
        exponent -= 1
    number = int(value)
    while number % 10 == 0:
        number //= 10
        exponent += 1
    while exponent % 3:
        number *= 10
        exponent -= 1
    return number, exponent


def cpu_millis(value: str | int | float | Quantity) -> int:
    """CPU as integer millicores, rounded up (`100m` -> 100, `1` -> 1000)."""
    return parse_quantity(value).milli_value()


def memory_bytes(value: str | int | float | Quantity) -> int:
    """Memory as integer bytes, rounded up (`1Ki` -> 1024)."""
    return parse_quantity(value).value()
