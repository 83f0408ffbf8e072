"""Facts that make a benchmark figure reproducible: commit, Python, Cython, CPU."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path


def commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


def cython_version() -> str:
    try:
        import Cython

        return Cython.__version__
    except ImportError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_info() -> dict[str, str]:
    return {"commit": commit(), "python": platform.python_version(), "cython": cython_version(),
            "cpu": cpu_model()}
