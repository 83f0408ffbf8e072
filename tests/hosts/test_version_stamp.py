"""One home for the version: kube/__init__.py, read by setup.py; KUBE_VERSION stamps another
into what is built, and a bad one is a one-line error. Fast: runs in `make test` too."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import kube

REPO = Path(__file__).resolve().parents[2]


def setup_version(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "setup.py", "--version"], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "KUBE_NO_CYTHON": "1", **env}, timeout=120)


def test_setup_reads_the_one_version() -> None:
    out = setup_version({"KUBE_VERSION": ""})
    assert out.stdout.strip().splitlines()[-1] == kube.__version__
    assert not re.search(r'^version\s*=', (REPO / "pyproject.toml").read_text(), re.M)


def test_kube_version_stamps_and_a_bad_one_is_refused() -> None:
    assert setup_version({"KUBE_VERSION": "2.3.4"}).stdout.strip().splitlines()[-1] == "2.3.4"
    bad = setup_version({"KUBE_VERSION": "2.x; rm -rf /"})
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines()[-1].startswith("error: KUBE_VERSION=")
