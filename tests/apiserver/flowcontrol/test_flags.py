"""The seat flags: parsed into the server limit APF shares out; a bad value is one line and a
non-zero exit, before anything starts."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from kube.apiserver.command import config_from
from kube.cli.main import build_parser
from tests.apiserver.conftest import refused_apiserver_line


def parse(*argv: str) -> argparse.Namespace:
    return build_parser(list(argv)).parse_args(list(argv))


def test_both_flags_reach_the_config(tmp_path: Path) -> None:
    store = f"sqlite:{tmp_path / 's.db'}"
    config = config_from(parse("apiserver", "--store", store, "--max-requests-inflight", "40",
                               "--max-mutating-requests-inflight", "5"))
    assert (config.max_requests_inflight, config.max_mutating_requests_inflight) == (40, 5)
    defaults = config_from(parse("apiserver", "--store", store))
    assert (defaults.max_requests_inflight, defaults.max_mutating_requests_inflight) == (400, 200)


@pytest.mark.parametrize(("flags", "message"), [
    (["--max-mutating-requests-inflight", "-1"], "--max-mutating-requests-inflight must not be negative"),
    (["--max-requests-inflight", "0"], "--max-requests-inflight must be at least 1"),
])
def test_bad_seat_flags_are_one_line(tmp_path: Path, flags: list[str], message: str) -> None:
    assert message in refused_apiserver_line(tmp_path, *flags)
