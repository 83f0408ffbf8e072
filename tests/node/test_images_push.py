"""`kube images build` pushes the local images into the loopback registry under their own names
and as Docker Hub's library/busybox:latest (what dockerd's registry-mirrors serves `busybox` from)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.fixtures.registry import start_registry
from tests.fixtures.requirements import require_docker


def tags(addr: str, repository: str) -> list[str]:
    with urllib.request.urlopen(f"http://{addr}/v2/{repository}/tags/list", timeout=10) as resp:
        return json.load(resp)["tags"]


def test_images_build_pushes_into_the_registry(tmp_path: Path):
    require_docker()
    reg = start_registry(tmp_path / "registry")
    try:
        out = subprocess.run([sys.executable, "-m", "kube", "images", "build", "--registry", reg.addr],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert f"{reg.addr}/library/busybox:latest pushed" in out.stdout
        assert tags(reg.addr, "kube.local/busybox") == ["1"] and tags(reg.addr, "kube.local/pause") == ["1"]
        assert tags(reg.addr, "library/busybox") == ["latest"]
        pushed = subprocess.run(["docker", "images", "-q", "--filter", f"reference={reg.addr}/*/*"],
                                capture_output=True, text=True)
        assert pushed.stdout.strip() == ""  # only the kube.local names stay on the machine
    finally:
        reg.stop()


def test_no_registry_answering_is_not_an_error(tmp_path: Path):
    require_docker()
    out = subprocess.run([sys.executable, "-m", "kube", "images", "build", "--registry", "127.0.0.1:9"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "no registry answers at 127.0.0.1:9: nothing pushed" in out.stdout
