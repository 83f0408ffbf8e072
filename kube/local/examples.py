"""The examples `kube up` applies: the top-level manifests of `examples/`.

Sub-directories (e.g. `examples/blue-green/`) are recipes to follow by hand,
so they are not applied. Applying goes through `kube apply`, so the output is
the usual created / configured / unchanged and a second `kube up` changes nothing.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from kube.cli.manifests import EXTENSIONS, load
from kube.local.plan import kube_argv

DEFAULT_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass(frozen=True)
class DeploymentRef:
    namespace: str
    name: str


def example_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in EXTENSIONS)


def deployments_in(files: list[Path]) -> list[DeploymentRef]:
    """The Deployments the files declare, whose rollout `kube up` waits for."""
    refs = []
    for manifest in load([str(f) for f in files]):
        obj = manifest.obj
        if obj.get("kind") == "Deployment" and str(obj.get("apiVersion", "")).startswith("apps/"):
            meta = obj.get("metadata") or {}
            refs.append(DeploymentRef(meta.get("namespace") or "default", meta.get("name", "")))
    return refs


def apply_examples(files: list[Path], kubeconfig: Path) -> tuple[bool, str]:
    """`kube apply -f` each file; (ok, combined output)."""
    argv = kube_argv("apply", "--kubeconfig", str(kubeconfig))
    for f in files:
        argv += ["-f", str(f)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()
