"""Durations as Kubernetes flags take them (Go's time.ParseDuration) plus bare seconds."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.component.duration import duration_flag, format_duration, parse_duration, parse_duration_ns


@pytest.mark.parametrize(("text", "seconds"), [
    ("1h30m", 5400.0), ("90s", 90.0), ("500ms", 0.5), ("2.5", 2.5), ("15", 15.0), ("1.5h", 5400.0),
    ("300us", 0.0003), ("300µs", 0.0003), ("7ns", 7e-9), ("0", 0.0), ("0s", 0.0), (".5s", 0.5), ("1.s", 1.0),
    ("1h0m0.5s", 3600.5), ("-1m", -60.0), ("+2s", 2.0), ("40s", 40.0), ("5m", 300.0), (" 10s ", 10.0),
])
def test_go_durations_and_bare_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds, abs=1e-12)


@pytest.mark.parametrize("text", ["", "soon", "1x", "1h30", ".", "s", "1 h", "h1", "--1s", "1e3s", "0x10s", "1,5s"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (5400, "1h30m0s"), (90, "1m30s"), (0.5, "500ms"), (1.5, "1.5s"), (3600, "1h0m0s"),
    (0.0003, "300µs"), (7e-9, "7ns"), (-60, "-1m0s"), (0.0015, "1.5ms"),
])
def test_format_is_gos_string(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(min_value=-(10 ** 15), max_value=10 ** 15))
def test_formatted_duration_round_trips(ns: int) -> None:
    text = format_duration(ns / 1e9)
    assert parse_duration_ns(text) == ns
    assert parse_duration(text) == ns / 1e9


@given(st.floats(min_value=0, max_value=10 ** 6, allow_nan=False))
def test_bare_seconds_parse_to_themselves(seconds: float) -> None:
    assert parse_duration(f"{seconds:.9f}") == pytest.approx(seconds, rel=1e-12, abs=1e-9)


def test_flag_type_gives_an_argparse_error_and_refuses_negatives() -> None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("--period", type=duration_flag, default=2.0)
    assert parser.parse_args(["--period", "1m"]).period == 60.0
    assert parser.parse_args([]).period == 2.0
    for bad in ("soon", "-5s"):
        with pytest.raises(argparse.ArgumentError):
            parser.parse_args(["--period", bad])
