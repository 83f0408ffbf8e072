"""/healthz, /livez, /readyz and /version: what load balancers and `kubectl version` ask, anonymously."""

from __future__ import annotations

import platform
import sys

from kube import __version__

GIT_VERSION = "v1.37.0-kube"


def version_info() -> dict[str, str]:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return {
        "major": "1", "minor": "37", "gitVersion": GIT_VERSION, "gitCommit": f"kube-{__version__}",
        "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}", "compiler": "cpython",
        "platform": f"{sys.platform}/{arch}",
    }


def health_text(checks: dict[str, bool], verbose: bool) -> tuple[int, str]:
    ok = all(checks.values())
    if not verbose:
        return (200, "ok") if ok else (500, "".join(f"[-]{n} failed: reason withheld\n" for n, v in checks.items()
                                                    if not v) + "healthz check failed")
    lines = [f"[+]{n} ok" if v else f"[-]{n} failed: reason withheld" for n, v in checks.items()]
    lines.append("healthz check passed" if ok else "healthz check failed")
    return (200 if ok else 500), "\n".join(lines) + "\n"
