"""kubectl's short ages: exact forms at the thresholds and monotone coarsening."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.age import age_since, human_duration, parse_timestamp


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (5, "5s"), (119, "119s"), (120, "2m"), (200, "3m20s"),
        (599, "9m59s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (4 * 3600 + 60, "4h1m"),
        (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (51 * 3600, "2d3h"), (8 * 86400, "8d"),
        (400 * 86400, "400d"), (730 * 86400, "2y"), (731 * 86400, "2y1d"), (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration_matches_kubectl(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_age_since_parses_rfc3339_and_microtime() -> None:
    base = parse_timestamp("2024-01-01T00:00:00Z")
    assert base is not None
    assert age_since("2024-01-01T00:00:00Z", now=base + 200) == "3m20s"
    assert age_since("2024-01-01T00:00:00.500000Z", now=base + 10.6) == "10s"
    assert age_since(None) == "<unknown>"
    assert age_since("yesterday") == "<unknown>"


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "y": 365 * 86400}


def _lower_bound(text: str) -> int:
    total, number = 0, ""
    for ch in text:
        if ch.isdigit():
            number += ch
        else:
            total += int(number) * _UNITS[ch]
            number = ""
    return total


@given(st.integers(min_value=0, max_value=20 * 365 * 86400))
def test_human_duration_never_overstates(seconds: int) -> None:
    """The printed age is the true age rounded down to its coarsest shown unit."""
    shown = _lower_bound(human_duration(seconds))
    assert shown <= seconds
    assert seconds - shown < 365 * 86400 if seconds >= 8 * 365 * 86400 else seconds - shown < 86400
