"""--authorization-mode: a bad value is one clear line and a non-zero exit, before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apiserver.conftest import refused_apiserver_line


@pytest.mark.parametrize(("mode", "message"), [
    ("Bogus", "--authorization-mode: unknown authorization mode 'Bogus'; known: AlwaysAllow, AlwaysDeny, Builtin, "
              "Node, RBAC"),
    ("RBAC,RBAC", "--authorization-mode: authorization mode given twice in 'RBAC,RBAC'"),
    (",", "--authorization-mode: at least one authorization mode is required"),
])
def test_bad_modes_are_one_line(tmp_path: Path, mode: str, message: str) -> None:
    assert message in refused_apiserver_line(tmp_path, "--authorization-mode", mode)
