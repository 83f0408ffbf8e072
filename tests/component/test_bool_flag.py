"""Boolean flags take every Kubernetes spelling and always parse to a bool."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.component.bool_flag import FALSE_WORDS, TRUE_WORDS, add_bool_flag


def parser(default: bool) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(exit_on_error=False)
    add_bool_flag(p, "leader-elect", default)
    p.add_argument("--port", type=int, default=0)
    return p


@pytest.mark.parametrize(("argv", "expected"), [
    ([], None), (["--leader-elect"], True), (["--leader-elect=true"], True), (["--leader-elect=false"], False),
    (["--leader-elect", "false"], False), (["--no-leader-elect"], False), (["--leader-elect", "--port", "3"], True),
    (["--no-leader-elect", "--leader-elect"], True), (["--leader-elect", "--no-leader-elect"], False),
])
@pytest.mark.parametrize("default", [True, False])
def test_spellings(argv: list[str], expected: bool | None, default: bool) -> None:
    value = parser(default).parse_args(argv).leader_elect
    assert value is (default if expected is None else expected)


@given(st.sampled_from(sorted(TRUE_WORDS | FALSE_WORDS)), st.booleans())
def test_words_in_any_case(word: str, upper: bool) -> None:
    text = word.upper() if upper else word
    assert parser(False).parse_args([f"--leader-elect={text}"]).leader_elect is (word in TRUE_WORDS)


def test_other_words_are_refused() -> None:
    with pytest.raises(argparse.ArgumentError, match="invalid boolean 'maybe'"):
        parser(False).parse_args(["--leader-elect=maybe"])
