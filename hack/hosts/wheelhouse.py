"""The wheel's dependencies as files, for hosts that see no package index: `pip
download` on this machine (its configured indexes), then copied into each host."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class WheelhouseError(RuntimeError):
    """pip could not resolve the wheel's dependencies here."""


def wheelhouse(wheel: Path, dest: Path, python: str = sys.executable) -> Path:
    """`dest` holding every dependency of `wheel` (files already there are reused)."""
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([python, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", str(dest),
                           str(wheel)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise WheelhouseError(f"pip download for {wheel.name} failed: {proc.stderr.strip()[-300:]}")
    (dest / wheel.name).unlink(missing_ok=True)  # the wheel itself is copied on its own
    return dest
