"""--authorization-mode: a bad value is one clear line and a non-zero exit, before anything starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(("mode", "message"), [
    ("Bogus", "--authorization-mode: unknown authorization mode 'Bogus'; known: AlwaysAllow, AlwaysDeny, Builtin, "
              "Node, RBAC"),
    ("RBAC,RBAC", "--authorization-mode: authorization mode given twice in 'RBAC,RBAC'"),
    (",", "--authorization-mode: at least one authorization mode is required"),
])
def test_bad_modes_are_one_line(tmp_path: Path, mode: str, message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "kube", "apiserver", "--store", f"sqlite:{tmp_path / 's.db'}",
                           "--authorization-mode", mode], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
