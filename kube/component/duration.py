"""Durations as Kubernetes flags take them: Go's `time.ParseDuration`, plus bare seconds.

`1h30m`, `90s`, `500ms`, `1.5h`, `300us` parse as Go parses them (units ns, us/µs,
ms, s, m, h; a sign; several terms); a bare number (`2.5`, `15`) is seconds, the
spelling older flags and our own configs used. Parsing goes through exact integer
nanoseconds (as Go's Duration is), so `format_duration` and `parse_duration`
round-trip without float drift.
"""

from __future__ import annotations

import argparse
import re
from fractions import Fraction

NANOSECONDS: dict[str, int] = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000,
                               "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_TERM = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)")


def parse_duration_ns(text: str) -> int:
    """Nanoseconds of a Go duration or bare seconds; ValueError on anything else."""
    t = text.strip()
    if _NUMBER.fullmatch(t):
        return round(Fraction(t) * NANOSECONDS["s"])
    sign, body = (-1, t[1:]) if t.startswith("-") else (1, t.removeprefix("+"))
    if body == "0":
        return 0
    total, pos = Fraction(0), 0
    while pos < len(body):
        term = _TERM.match(body, pos)
        if term is None:
            raise ValueError(f"invalid duration {text!r} (e.g. 1h30m, 90s, 500ms or 2.5 seconds)")
        total += Fraction(term.group(1)) * NANOSECONDS[term.group(2)]
        pos = term.end()
    if pos == 0:
        raise ValueError(f"invalid duration {text!r} (e.g. 1h30m, 90s, 500ms or 2.5 seconds)")
    return sign * round(total)


def parse_duration(text: str) -> float:
    """Seconds of a Go duration (`1h30m`, `90s`, `500ms`) or of a bare number of seconds (`2.5`)."""
    return parse_duration_ns(text) / NANOSECONDS["s"]


def format_duration(seconds: float) -> str:
    """Go's Duration.String(): `1h30m0s`, `1.5s`, `500ms`, `0s`."""
    ns = round(seconds * NANOSECONDS["s"])
    if ns == 0:
        return "0s"
    sign, ns = ("-", -ns) if ns < 0 else ("", ns)
    if ns < NANOSECONDS["s"]:
        for unit in ("ms", "µs", "ns"):
            if ns >= NANOSECONDS[unit]:
                return sign + _decimal(ns, NANOSECONDS[unit]) + unit
    hours, rest = divmod(ns, NANOSECONDS["h"])
    minutes, rest = divmod(rest, NANOSECONDS["m"])
    text = _decimal(rest, NANOSECONDS["s"]) + "s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


def _decimal(value: int, unit: int) -> str:
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    digits = len(str(unit)) - 1
    return f"{whole}.{frac:0{digits}d}".rstrip("0")


def duration_flag(text: str) -> float:
    """argparse `type=` for a duration flag: seconds, never negative; a bad value is one usage line."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: must not be negative")
    return seconds
